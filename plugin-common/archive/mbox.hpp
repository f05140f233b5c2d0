// mboxrd output (the variant that quotes every ">*From " line and so round-trips exactly):
// a "From <sender> <asctime>" separator, the message with CRLF turned into LF, every line
// matching ^>*From  prefixed with one more '>', a final newline and an empty line.
// The archive's byte-exact form is the raw export; mbox is for mail clients. Pure.
#pragma once

#include <string>
#include <string_view>

#include "util/time.hpp"

namespace postjournal::archive {

// `sender` empty or containing spaces becomes MAILER-DAEMON.
std::string to_mboxrd(std::string_view message, std::string_view sender, util::TimeUs received);

}  // namespace postjournal::archive
