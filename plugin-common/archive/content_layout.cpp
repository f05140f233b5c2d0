#include "archive/content_layout.hpp"

#include <algorithm>

#include "util/bytes.hpp"

namespace postjournal::archive {

std::vector<Segment> plan_segments(const MessageBytes& bytes, const journal::JournalEnvelope& env) {
  std::uint64_t total = bytes.size();
  std::uint64_t off = env.original_offset;
  std::uint64_t len = env.original_size;
  bool split = env.has_original && off <= total && len <= total - off && (off > 0 || len < total);
  if (!split) return {{bytes.sha256(), 0, total}};
  std::vector<Segment> out;
  auto add = [&](std::uint64_t o, std::uint64_t l) {
    auto piece = bytes.view().substr(static_cast<std::size_t>(o), static_cast<std::size_t>(l));
    out.push_back({util::sha256(piece), o, l});
  };
  if (off > 0) add(0, off);
  add(off, len);  // the original, even when empty
  if (off + len < total) add(off + len, total - off - len);
  return out;
}

std::string encode_content_header(const ContentHeader& h) {
  std::string out;
  util::put_varint(out, h.size);
  util::put_varint(out, h.segments.size());
  for (const auto& s : h.segments) {
    out.append(util::as_bytes(s.sha));
    util::put_varint(out, s.size);
  }
  return out;
}

std::optional<ContentHeader> decode_content_header(std::string_view bytes) {
  util::ByteReader r(bytes);
  ContentHeader h;
  std::uint64_t n = 0;
  if (!r.varint(h.size) || !r.varint(n)) return std::nullopt;
  std::uint64_t offset = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    Segment s;
    std::string_view sha;
    if (!r.raw(s.sha.size(), sha) || !r.varint(s.size)) return std::nullopt;
    std::copy(sha.begin(), sha.end(), reinterpret_cast<char*>(s.sha.data()));
    s.offset = offset;
    offset += s.size;
    h.segments.push_back(s);
  }
  if (!r.done() || offset != h.size) return std::nullopt;
  return h;
}

}  // namespace postjournal::archive
