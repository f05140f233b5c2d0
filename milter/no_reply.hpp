// The milter protocol's no-reply flags postjournal-milter asks for (callbacks.cpp), in one place
// so that bench/noop_milter negotiates exactly the same and stays an honest baseline: the steps
// that always continue — connect, HELO, DATA, unknown commands, each header, end of headers and
// each body chunk. MAIL FROM, RCPT TO and end of message are always answered. Postfix 3.7 honours
// all of them (milter_protocol = 6). Constants only; thread-safe.
#pragma once

#include <libmilter/mfapi.h>

namespace postjournal::milter {

inline constexpr unsigned long kNoReplyFlags = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_DATA |
                                               SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH |
                                               SMFIP_NR_BODY;

}  // namespace postjournal::milter
