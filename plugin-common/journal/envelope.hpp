// The journal envelope: who really sent a message and who received it, as read from a journal
// report or, for plain copies, from the SMTP envelope or the headers. Plain data, no behaviour;
// shared by the extractor, the archive (delivery record, participant index) and the CLI.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace postjournal::journal {

enum class RecipientKind : std::uint8_t { kTo, kCc, kBcc, kRecipient, kEnvelope, kHeader };

std::string_view to_string(RecipientKind k);
// False when text is not one of to/cc/bcc/recipient/envelope/header.
bool parse_recipient_kind(std::string_view text, RecipientKind& out);

struct Recipient {
  std::string address;  // addr-spec as found (local part case kept)
  RecipientKind kind = RecipientKind::kHeader;
  std::string expanded_from;   // distribution list this recipient was expanded from
  std::string forwarded_from;  // address that forwarded to this recipient
  bool operator==(const Recipient&) const = default;
};

struct JournalEnvelope {
  std::string format;  // "plain", "exchange", ... (empty: not extracted)
  bool wrapped_in_ndr = false;
  bool decrypted_copy = false;
  std::string sender;
  std::string on_behalf_of;
  std::string subject;
  std::string message_id;  // the original's Message-ID with angle brackets, or empty
  std::vector<Recipient> recipients;
  // Where the original message sits inside the stored bytes (the whole input for plain).
  // has_original is false for a report that carries no original (GCC, or damaged).
  bool has_original = true;
  std::uint64_t original_offset = 0;
  std::uint64_t original_size = 0;
  std::vector<std::string> anomalies;
  bool operator==(const JournalEnvelope&) const = default;
};

}  // namespace postjournal::journal
