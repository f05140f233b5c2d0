// The exact bytes of one received message, held in memory or as a read-only mapping of a file
// (a spool or spill file), with their SHA-256 computed once in the constructing thread, so the
// archive's writer thread only copies. Movable, immutable, safe to read from any thread.
// from_file throws std::system_error when the file cannot be opened, read or mapped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/sha256.hpp"

namespace postjournal::archive {

class MessageBytes {
 public:
  static MessageBytes from_string(std::string bytes);
  static MessageBytes from_file(const std::string& path);

  std::string_view view() const { return view_; }
  std::uint64_t size() const { return view_.size(); }
  const util::Digest& sha256() const { return sha_; }

 private:
  struct Storage;
  std::shared_ptr<const Storage> storage_;
  std::string_view view_;
  util::Digest sha_{};
};

}  // namespace postjournal::archive
