// What the index reads of one delivery, shared by the indexer and the phrase check: the text of
// the original message inside a journal report (the report's own envelope feeds the participant
// fields), else of the whole stored message; and the encoding of the archive's cache of text
// extracted from attachments (archive/text_cache.hpp). Internal to the index module.
// Thread-safe (reads only).
#pragma once

#include <optional>
#include <string>

#include "archive/tenant_archive.hpp"
#include "extract/protocol.hpp"
#include "index/message_text.hpp"

namespace postjournal::index {

MessageText read_delivery(const archive::TenantArchive& a, const archive::Delivery& d,
                          const TextLimits& limits);

// The cache value: "v1\n" status "\n" truncated "\n" reason "\n" text.
std::string encode_cached(const extract::Response& r);
std::optional<extract::Response> decode_cached(const std::string& v);
// Only deterministic outcomes are cached: a timeout or a crash may not happen next time.
bool cacheable(const extract::Response& r);

}  // namespace postjournal::index
