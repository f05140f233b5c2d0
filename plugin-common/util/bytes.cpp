#include "util/bytes.hpp"

#include <algorithm>

namespace postjournal::util {

void put_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void put_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

std::uint64_t get_be64(std::string_view s) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

std::uint32_t get_be32(std::string_view s) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

bool ByteReader::varint(std::uint64_t& v) {
  v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (in_.empty()) return false;
    auto b = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    if (shift == 63 && b > 1) return false;  // more than 64 bits
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

bool ByteReader::raw(std::size_t n, std::string_view& s) {
  if (n > in_.size()) return false;
  s = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

bool ByteReader::bytes(std::string& s) {
  std::uint64_t n = 0;
  std::string_view v;
  if (!varint(n) || n > in_.size() || !raw(static_cast<std::size_t>(n), v)) return false;
  s.assign(v);
  return true;
}

bool ByteReader::u8(std::uint8_t& v) {
  if (in_.empty()) return false;
  v = static_cast<std::uint8_t>(in_.front());
  in_.remove_prefix(1);
  return true;
}

bool read_digest(ByteReader& r, Digest& out) {
  std::string_view raw;
  if (!r.raw(out.size(), raw)) return false;
  std::copy(raw.begin(), raw.end(), reinterpret_cast<char*>(out.data()));
  return true;
}

}  // namespace postjournal::util
