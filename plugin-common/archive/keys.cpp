#include "archive/keys.hpp"

#include "util/bytes.hpp"

namespace postjournal::archive::keys {

std::string seq(std::uint64_t s) {
  std::string k;
  util::put_be64(k, s);
  return k;
}

std::uint64_t seq_of_suffix(std::string_view key) {
  return key.size() < 8 ? 0 : util::get_be64(key.substr(key.size() - 8));
}

std::string time(util::TimeUs t, std::uint64_t s) {
  std::string k;
  util::put_be64(k, static_cast<std::uint64_t>(t < 0 ? 0 : t));
  util::put_be64(k, s);
  return k;
}

std::string text_prefix(std::string_view text) {
  std::string k(text);
  k.push_back('\0');
  return k;
}

std::string text(std::string_view text, std::uint64_t s) {
  std::string k = text_prefix(text);
  util::put_be64(k, s);
  return k;
}

std::string chunk(const util::Digest& sha, std::uint32_t index) {
  std::string k(util::as_bytes(sha));
  util::put_be32(k, index);
  return k;
}

std::string piece_prefix(std::uint64_t blob_id, std::uint32_t chunk) {
  std::string k;
  util::put_be64(k, blob_id);
  util::put_be32(k, chunk);
  return k;
}

std::string piece(std::uint64_t blob_id, std::uint32_t chunk, std::uint8_t piece) {
  std::string k = piece_prefix(blob_id, chunk);
  k.push_back(static_cast<char>(piece));
  return k;
}

std::string content(const util::Digest& sha, std::uint64_t s) {
  std::string k(util::as_bytes(sha));
  util::put_be64(k, s);
  return k;
}

std::string fetched(std::string_view mailbox, std::string_view server, std::string_view uid) {
  std::string k(mailbox);
  k.push_back('\0');
  k.append(server);
  k.push_back('\0');
  k.append(uid);
  return k;
}

}  // namespace postjournal::archive::keys
