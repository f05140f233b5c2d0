// Splits the body of a multipart entity into its parts by boundary (RFC 2046): a delimiter is a
// line "--boundary" (optionally followed by "--" for the last one and by white space); the line
// break before a delimiter belongs to the delimiter, not to the part. Offsets are absolute in the
// scanned message. Untrusted input: one linear pass, at most max_parts parts (more is an anomaly).
// Thread-safe (pure).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace postjournal::journal {

struct MimePart {
  std::size_t start = 0;  // first byte of the part's header block
  std::size_t end = 0;    // one past the part's last byte
};

struct Multipart {
  std::vector<MimePart> parts;
  bool closed = false;  // the closing delimiter was found
  std::vector<std::string> anomalies;
};

inline constexpr std::size_t kMaxParts = 10000;

Multipart split_multipart(std::string_view message, std::size_t body_start, std::size_t body_end,
                          std::string_view boundary, std::size_t max_parts = kMaxParts);

}  // namespace postjournal::journal
