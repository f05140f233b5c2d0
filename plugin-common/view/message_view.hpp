// One message as a reader sees it (postjournal-web's message page): its header fields decoded to
// UTF-8, its text (the first text/plain body part, or the text of the first text/html one), its
// HTML (the first text/html body part, unsanitised: sanitize.hpp makes it safe) and its
// attachments, each with where its encoded body lies in the message so that it can be decoded
// on demand. Untrusted input: linear in the message, nesting bounded by kMaxViewDepth, never
// throws; a part beyond kMaxViewParts is not listed. Thread-safe (pure).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace postjournal::view {

inline constexpr unsigned kMaxViewDepth = 12;
inline constexpr std::size_t kMaxViewParts = 1000;
inline constexpr std::size_t kMaxViewText = 4u << 20;  // text and HTML shown, each

struct ViewAttachment {
  std::string filename;   // decoded; empty when the part has none
  std::string mime_type;  // lower case
  std::string encoding;   // Content-Transfer-Encoding, lower case
  std::size_t body_start = 0;
  std::size_t body_end = 0;  // the encoded body: message[body_start, body_end)
  std::uint64_t encoded_size() const { return body_end - body_start; }
};

struct MessageView {
  std::vector<std::pair<std::string, std::string>> headers;  // top-level fields, decoded
  std::string subject, from, to, cc, date, message_id;
  std::string text;
  std::string html;
  bool text_cut = false;  // text or html longer than kMaxViewText
  std::vector<ViewAttachment> attachments;
};

MessageView read_view(std::string_view message);

// The decoded bytes of an attachment of `message` (the same bytes read_view saw).
std::string attachment_bytes(std::string_view message, const ViewAttachment& a);

}  // namespace postjournal::view
