#include "journal/extract.hpp"

#include "journal/address_list.hpp"
#include "journal/header_block.hpp"
#include "util/strings.hpp"

namespace postjournal::journal {

JournalEnvelope extract_envelope(std::string_view message, const SmtpEnvelope& smtp) {
  JournalEnvelope env;
  env.format = "plain";
  env.original_offset = 0;
  env.original_size = message.size();
  HeaderBlock hb = parse_header_block(message);
  env.anomalies = hb.anomalies;

  if (const auto* f = hb.find("Subject")) env.subject = f->value;
  if (const auto* f = hb.find("Message-ID")) env.message_id = normalise_message_id(f->value);

  if (!smtp.mail_from.empty()) {
    env.sender = smtp.mail_from;
  } else if (const auto* f = hb.find("From")) {
    env.sender = parse_mailbox(f->value);
  }
  if (!smtp.rcpt_to.empty()) {
    for (const auto& r : smtp.rcpt_to)
      env.recipients.push_back({r, RecipientKind::kEnvelope, {}, {}});
  } else {
    for (const auto& f : hb.fields) {
      if (!util::iequals_ascii(f.name, "To") && !util::iequals_ascii(f.name, "Cc")) continue;
      for (auto& a : parse_address_list(f.value)) {
        env.recipients.push_back({std::move(a), RecipientKind::kHeader, {}, {}});
      }
    }
  }
  return env;
}

}  // namespace postjournal::journal
