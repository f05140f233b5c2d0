// Binary encoding helpers: big-endian fixed integers (sortable keys), LEB128 varints and
// length-prefixed strings. ByteReader never reads past its input: every getter returns false
// instead, so corrupt or hostile bytes cannot crash a decoder. Not thread-safe per object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/sha256.hpp"

namespace postjournal::util {

void put_be64(std::string& out, std::uint64_t v);
void put_be32(std::string& out, std::uint32_t v);
void put_varint(std::string& out, std::uint64_t v);
void put_bytes(std::string& out, std::string_view s);  // varint length + bytes
std::uint64_t get_be64(std::string_view s);            // s.size() >= 8
std::uint32_t get_be32(std::string_view s);            // s.size() >= 4

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool varint(std::uint64_t& v);
  bool bytes(std::string& s);
  bool raw(std::size_t n, std::string_view& s);
  bool u8(std::uint8_t& v);
  bool done() const { return in_.empty(); }
  std::size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

// Reads 32 raw bytes into `out`; false when fewer remain.
bool read_digest(ByteReader& r, Digest& out);

}  // namespace postjournal::util
