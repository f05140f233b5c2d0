// Content-Type header values (RFC 2045, with RFC 2231 parameter continuations and charset
// prefixes): media type and subtype in lower case, parameter names in lower case, values
// unquoted. An absent or unreadable value means text/plain, as RFC 2045 says. Untrusted input:
// linear time, never throws. Thread-safe (pure).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace postjournal::journal {

struct ContentType {
  std::string type = "text";
  std::string subtype = "plain";
  std::vector<std::pair<std::string, std::string>> params;

  bool is(std::string_view t, std::string_view s) const { return type == t && subtype == s; }
  bool is_multipart() const { return type == "multipart"; }
  // The parameter's value, or empty when absent.
  std::string param(std::string_view name) const;
};

ContentType parse_content_type(std::string_view value);

// Content-Disposition (RFC 2183, parameters as for Content-Type): the disposition in lower case
// ("attachment", "inline"; empty when absent) and its parameters ("filename", ...).
struct Disposition {
  std::string kind;
  std::vector<std::pair<std::string, std::string>> params;
  std::string param(std::string_view name) const;
};

Disposition parse_disposition(std::string_view value);

// What the header block of one MIME entity says about its body: Content-Type, Content-Disposition,
// the transfer encoding (lower case), the file name (Content-Disposition filename, else the
// Content-Type name; RFC 2047-decoded) and where the body starts (<= entity_size).
struct PartHeaders {
  ContentType type;
  Disposition disposition;
  std::string transfer_encoding;
  std::string filename;
  std::size_t body_start = 0;
};

struct HeaderBlock;
PartHeaders part_headers(const HeaderBlock& hb, std::size_t entity_size);

}  // namespace postjournal::journal
