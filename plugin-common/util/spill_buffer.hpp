// Bytes of one message as they arrive: kept in memory up to `memory_limit`, then moved to a
// private temporary file in `spool_dir` (mode 0600, removed when the buffer goes away). Refuses
// to grow past `max_size`. Not thread-safe (one per transaction).
// Errors: append() throws std::system_error on file system failures (creating or writing the
// spill file).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/file.hpp"

namespace postjournal::util {

class SpillBuffer {
 public:
  SpillBuffer(std::size_t memory_limit, std::string spool_dir, std::uint64_t max_size);
  ~SpillBuffer();
  SpillBuffer(const SpillBuffer&) = delete;
  SpillBuffer& operator=(const SpillBuffer&) = delete;

  // False (nothing appended) when the total would exceed max_size.
  bool append(std::string_view bytes);
  std::uint64_t size() const { return size_; }
  bool spilled() const { return fd_.valid(); }
  // The bytes when they are in memory (moved out).
  std::string take_memory();
  // The spill file's path (flushed); it stays until this buffer is destroyed or cleared.
  const std::string& file_path() const { return path_; }
  void clear();

 private:
  void spill();

  std::size_t memory_limit_;
  std::string spool_dir_;
  std::uint64_t max_size_;
  std::uint64_t size_ = 0;
  std::string memory_;
  UniqueFd fd_;
  std::string path_;
};

}  // namespace postjournal::util
