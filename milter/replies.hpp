// The one table from a data-plane Outcome to what the milter answers Postfix: libmilter's action
// and, for refusals, the SMTP reply code, enhanced status code and text. "Never 5xx for our own
// failures" (Exchange and Google drop a journal report that gets a 5xx) is checked here, once:
// every outcome util::is_our_failure() names maps to a 4xx tempfail (tests/unit/
// milter_session_test.cpp walks the whole table). Texts are fixed: they never name a listener,
// tenant, path or any other configuration; the log line carries the detail. Pure; thread-safe.
#pragma once

#include "util/outcome.hpp"

namespace postjournal::milter {

enum class Action { kContinue, kAccept, kDiscard, kTempfail, kReject };

struct Reply {
  Action action = Action::kContinue;
  const char* rcode = "";  // "451", "452", "550", "552" (empty: no reply text is set)
  const char* xcode = "";
  const char* text = "";
};

const Reply& reply_for(util::Outcome o);

}  // namespace postjournal::milter
