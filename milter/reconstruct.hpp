// How the milter rebuilds the message bytes from libmilter's callbacks. libmilter hands over each
// header as name and value (the value as Postfix received it, after the colon, folded lines
// joined by bare LF) and the body in chunks exactly as received. header_line() restores the
// header's wire form: "Name:" + value + CRLF, with every bare LF of the value turned into CRLF
// (a CRLF already present is kept). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace postjournal::milter {

std::string header_line(std::string_view name, std::string_view value);

}  // namespace postjournal::milter
