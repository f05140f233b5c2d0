#include "archive/chain.hpp"

#include <algorithm>

#include "util/bytes.hpp"

namespace postjournal::archive {

util::Digest delivery_digest(std::string_view encoded_record, const util::Digest& content_sha) {
  util::Sha256 h;
  h.update(encoded_record);
  h.update(util::as_bytes(content_sha));
  return h.finish();
}

util::Digest chain_link(const util::Digest& previous, const util::Digest& digest) {
  util::Sha256 h;
  h.update(util::as_bytes(previous));
  h.update(util::as_bytes(digest));
  return h.finish();
}

std::string encode_head(const ChainHead& h) {
  std::string out;
  util::put_be64(out, h.seq);
  out.append(util::as_bytes(h.link));
  return out;
}

std::optional<ChainHead> decode_head(std::string_view bytes) {
  if (bytes.size() != 8 + 32) return std::nullopt;
  ChainHead h;
  h.seq = util::get_be64(bytes);
  std::copy(bytes.begin() + 8, bytes.end(), reinterpret_cast<char*>(h.link.data()));
  return h;
}

}  // namespace postjournal::archive
