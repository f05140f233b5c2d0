// Journal envelope extraction: from the exact received bytes plus the SMTP envelope (when there
// is one) to a JournalEnvelope. This module currently knows the "plain" format (a copy of the
// message itself); journal report formats plug in here. Untrusted input: never throws on bad
// bytes, records anomalies instead, time linear in the input. Thread-safe (pure).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "journal/envelope.hpp"

namespace postjournal::journal {

struct SmtpEnvelope {
  std::string mail_from;             // empty for the null sender or when not known
  std::vector<std::string> rcpt_to;  // empty when not known (import, fetch)
};

JournalEnvelope extract_envelope(std::string_view message, const SmtpEnvelope& smtp);

}  // namespace postjournal::journal
