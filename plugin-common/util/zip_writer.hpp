// Writes a zip archive of *stored* (uncompressed) entries, streamed, to a file that appears under
// its name only when complete (AtomicFile). Stored, because an evidence bundle's bytes must stay
// exactly the bytes that were hashed and anyone's unzip must read them; each entry's CRC-32 and
// sizes are patched into its local header once written. Names are UTF-8, times fixed at
// 1980-01-01 (the same input gives the same zip). No zip64: an entry or the whole archive at or
// over 4 GiB, or 65,535 entries, throws std::length_error. Not thread-safe. Errors:
// std::system_error naming the path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/file.hpp"

namespace postjournal::util {

std::uint32_t crc32_update(std::uint32_t crc, std::string_view bytes);  // crc32_update(0, b): CRC

class ZipWriter {
 public:
  ZipWriter(std::string path, unsigned mode);
  void begin(const std::string& name);
  void write(std::string_view bytes);
  void end();
  void add(const std::string& name, std::string_view bytes) {
    begin(name);
    write(bytes);
    end();
  }
  void commit();  // writes the central directory, fsyncs, renames

 private:
  struct Entry {
    std::string name;
    std::uint64_t offset = 0;
    std::uint32_t crc = 0;
    std::uint64_t size = 0;
  };
  void put(std::string_view bytes);

  AtomicFile file_;
  std::uint64_t pos_ = 0;
  std::vector<Entry> entries_;
  bool open_ = false;
};

}  // namespace postjournal::util
