// Small string helpers with no mail knowledge. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postjournal::util {

std::string to_lower_ascii(std::string_view s);
std::string_view trim(std::string_view s);
bool iequals_ascii(std::string_view a, std::string_view b);
bool starts_with_icase(std::string_view s, std::string_view prefix);
// Parses a non-negative decimal integer; false on empty input, junk or overflow.
bool parse_u64(std::string_view s, unsigned long long& out);
// s with every control character (C0 and DEL) replaced by '?': safe for terminals and logs.
std::string printable(std::string_view s);
// RFC 3986 percent-encoding: every byte but the unreserved A-Z a-z 0-9 - . _ ~ and those in
// `keep` becomes %XX (upper-case hex). URL components and form values.
std::string percent_encode(std::string_view s, std::string_view keep = {});
// The words of s separated by spaces and tabs (no quoting).
std::vector<std::string> split_blanks(std::string_view s);
// Shell-style wildcard match, ASCII case-insensitive: '*' any run of characters, '?' one; no
// character classes, no escapes.
bool glob_match_icase(std::string_view pattern, std::string_view text);

}  // namespace postjournal::util
