// The body of an Exchange envelope journal report (the first, text/plain part), already decoded
// from its transfer encoding and charset to UTF-8: "Sender:", "On-Behalf-Of:", "Subject:",
// "Message-Id:" (any case; "Unknown Message-ID" = none), then one recipient per line ("To:",
// "Cc:", "Bcc:", "Recipient:", each optionally ", Expanded: <group>" or ", Forwarded: <addr>").
// GCC reports add fields that are recognised and skipped. Unknown fields become anomalies.
// `parsed` is false when the text is not a journal body (no Sender field, or lines that are not
// fields): then the caller must not trust any recipient from it. Thread-safe (pure).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "journal/envelope.hpp"

namespace postjournal::journal {

struct ExchangeBody {
  bool parsed = false;
  bool has_message_id_field = false;
  std::string sender;
  std::string on_behalf_of;
  std::string subject;
  std::string message_id;  // with angle brackets, empty for "Unknown Message-ID"
  std::vector<Recipient> recipients;
  std::vector<std::string> anomalies;
};

ExchangeBody parse_exchange_body(std::string_view text);

}  // namespace postjournal::journal
