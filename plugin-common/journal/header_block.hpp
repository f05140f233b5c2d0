// Reads the header block of an RFC 5322 message: field names and unfolded raw values, in order,
// up to the first empty line (CRLF or bare LF). Untrusted input: time linear in the input, no
// fixed buffers; a header section larger than kMaxHeaderBytes stops the scan and is reported as an
// anomaly instead of being read further. Thread-safe (pure).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace postjournal::journal {

struct HeaderField {
  std::string name;   // as written
  std::string value;  // unfolded (line breaks of folds removed), leading/trailing space trimmed
};

struct HeaderBlock {
  std::vector<HeaderField> fields;
  std::size_t body_offset = 0;  // first byte after the empty line (== input size when none)
  std::vector<std::string> anomalies;

  // First field with this name (case-insensitive), or nullptr.
  const HeaderField* find(std::string_view name) const;
};

inline constexpr std::size_t kMaxHeaderBytes = 4 * 1024 * 1024;

HeaderBlock parse_header_block(std::string_view message);

}  // namespace postjournal::journal
