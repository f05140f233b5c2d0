// The per-tenant hash chain over deliveries, shared by the write path and `verify`. link(n) =
// SHA-256(link(n-1) || digest(n)), link(0) = 32 zero bytes, digest(n) = SHA-256(encoded record ||
// content SHA-256). Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/sha256.hpp"

namespace postjournal::archive {

util::Digest delivery_digest(std::string_view encoded_record, const util::Digest& content_sha);
util::Digest chain_link(const util::Digest& previous, const util::Digest& digest);

struct ChainHead {
  std::uint64_t seq = 0;
  util::Digest link{};
  bool operator==(const ChainHead&) const = default;
};
std::string encode_head(const ChainHead& h);
std::optional<ChainHead> decode_head(std::string_view bytes);

}  // namespace postjournal::archive
