// Journal envelope extraction: from the exact received bytes plus the SMTP envelope (when there
// is one) to a JournalEnvelope. Formats, detected from top-level headers (never from Subject,
// From or To, which an Exchange report copies from the original):
//   exchange         X-MS-Journal-Report (or its org-internal name)
//   exchange-gcc     X-MS-Gcc-Journal-Report
//   exchange-legacy  Content-Identifier: ExJournalReport (detected and flagged; body not read)
//   amazon-workmail  X-WM-Journal-Report (read with the Exchange envelope grammar)
//   zimbra           X-Envelope-From / X-Envelope-To (amavisd archive copy)
//   google           X-Gm-Original-To
//   plain            none of these
// A multipart/report (an NDR) whose message/rfc822 part is a journal report is unwrapped
// (wrapped_in_ndr). The original's bytes are located, not copied: original_offset/size point into
// the input. Untrusted input: never throws on bad bytes, records anomalies, no invented
// recipients, linear time and memory. Thread-safe (pure).
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
