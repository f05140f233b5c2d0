// Content decoding for the journal extractor: quoted-printable and base64 transfer encodings,
// charset conversion to UTF-8 (glibc iconv) and RFC 2047 encoded words in header values.
// Untrusted input: lenient (bad sequences are kept or replaced, never fatal), linear time; each
// function reports through `lossy` when it had to drop or replace anything. Thread-safe (iconv
// descriptors are per call).
#pragma once

#include <string>
#include <string_view>

namespace postjournal::journal {

std::string decode_quoted_printable(std::string_view in, bool& lossy);
std::string decode_base64(std::string_view in, bool& lossy);
// Decodes by Content-Transfer-Encoding name (7bit/8bit/binary/empty = unchanged).
std::string decode_transfer(std::string_view in, std::string_view encoding, bool& lossy);

// Converts text in `charset` to UTF-8. Unknown charsets and invalid bytes are replaced by U+FFFD
// (with lossy set), except that an empty or us-ascii charset with 8-bit bytes is read as UTF-8
// when valid and as windows-1252 otherwise. ASCII-only input is returned unchanged unless the
// charset is a 7-bit one (ISO-2022-JP/KR/CN, UTF-7, HZ), which is always converted.
std::string to_utf8(std::string_view in, std::string_view charset, bool& lossy);

// Decodes RFC 2047 encoded words ("=?iso-8859-1?Q?Hellstr=F6m?=") in an unfolded header value to
// UTF-8; white space between adjacent encoded words is dropped; other text is taken as UTF-8.
std::string decode_header_value(std::string_view value, bool& lossy);

}  // namespace postjournal::journal
