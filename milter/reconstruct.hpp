// How the milter rebuilds the message bytes from libmilter's callbacks. libmilter hands over each
// header as name and value (the value as Postfix received it, after the colon, folded lines
// joined by bare LF) and the body in chunks exactly as received. header_line() restores the
// header's wire form: "Name:" + value + CRLF, with every bare LF of the value turned into CRLF
// (a CRLF already present is kept). Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace postjournal::milter {

std::string header_line(std::string_view name, std::string_view value);

// Header values this long are flagged on the delivery (anomaly "long-header-may-be-cut:NAME:N"):
// Postfix 3.7 was measured to pass a milter only the first ~60,000 bytes of a longer header
// (tests/integration/milter_hostile_e2e.sh), so such a value may be incomplete.
inline constexpr std::size_t kLongHeaderValue = 50000;

}  // namespace postjournal::milter
