// What the full-text index reads from one message: header fields, the text of every body part
// decoded from its transfer encoding and charset to UTF-8 (HTML turned into text; of a
// multipart/alternative, the plain-text part when there is one), and the attachments — names,
// MIME types and either their text (text parts, nested message/rfc822 recursively) or their
// decoded bytes for the sandboxed extractors. Untrusted input: linear in the message, never
// throws, nesting bounded (kMaxDepth); text beyond the limits is cut and flagged, never dropped
// without a trace. Thread-safe (pure).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/sha256.hpp"
#include "util/time.hpp"

namespace postjournal::index {

struct Attachment {
  std::string filename;
  std::string mime_type;  // lower case
  util::Digest sha256{};  // of the decoded bytes: the extraction cache key
  std::string data;       // decoded bytes, when needs_extraction
  std::string text;       // known text (text attachments, nested messages)
  bool needs_extraction = false;
  bool truncated = false;
};

struct MessageText {
  std::string subject;
  std::string message_id;  // without angle brackets
  std::optional<util::TimeUs> date;
  std::string from, to, cc;  // decoded header values (display names and addresses)
  std::vector<std::string> from_addresses, to_addresses, cc_addresses;
  std::string body;
  std::vector<Attachment> attachments;
  bool truncated = false;  // some body text was cut at a limit
};

struct TextLimits {
  std::uint64_t max_part_text = 16ull << 20;
  std::uint64_t max_message_text = 64ull << 20;
};

inline constexpr unsigned kMaxDepth = 12;

MessageText read_message(std::string_view message, const TextLimits& limits);

}  // namespace postjournal::index
