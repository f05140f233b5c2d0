#include "journal/exchange_body.hpp"

#include <array>

#include "journal/address_list.hpp"
#include "util/strings.hpp"

namespace postjournal::journal {

namespace {

// Fields of GCC reports and other documented extras: accepted, not needed for the envelope.
constexpr std::array<std::string_view, 12> kKnownExtraFields = {"rule-names",
                                                                "received",
                                                                "mapi-message-class",
                                                                "original-authenticator",
                                                                "original-message-size",
                                                                "recipient-count",
                                                                "label",
                                                                "mailbox",
                                                                "sentutc",
                                                                "receivedutc",
                                                                "original-sender",
                                                                "journal-report-version"};

// "a@x" or "<a@x>" or "Name <a@x>" -> "a@x"; the text unchanged when it has no brackets.
std::string address_of(std::string_view v) {
  v = util::trim(v);
  auto lt = v.rfind('<');
  auto gt = v.rfind('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt) {
    return std::string(util::trim(v.substr(lt + 1, gt - lt - 1)));
  }
  return std::string(v);
}

bool parse_kind(std::string_view name, RecipientKind& kind) {
  if (util::iequals_ascii(name, "To"))
    kind = RecipientKind::kTo;
  else if (util::iequals_ascii(name, "Cc"))
    kind = RecipientKind::kCc;
  else if (util::iequals_ascii(name, "Bcc"))
    kind = RecipientKind::kBcc;
  else if (util::iequals_ascii(name, "Recipient"))
    kind = RecipientKind::kRecipient;
  else
    return false;
  return true;
}

// Splits "addr, Expanded: grp" at the first ", Expanded:" / ", Forwarded:" (case-insensitive).
Recipient parse_recipient(std::string_view value, RecipientKind kind,
                          std::vector<std::string>& anomalies) {
  Recipient r;
  r.kind = kind;
  std::string lower = util::to_lower_ascii(value);
  std::size_t cut = std::string::npos;
  bool expanded = false;
  for (std::size_t pos = lower.find(", "); pos != std::string::npos;
       pos = lower.find(", ", pos + 1)) {
    std::string_view rest = std::string_view(lower).substr(pos + 2);
    if (rest.starts_with("expanded:") || rest.starts_with("forwarded:")) {
      cut = pos;
      expanded = rest.starts_with("expanded:");
      break;
    }
  }
  if (cut == std::string::npos) {
    r.address = address_of(value);
  } else {
    r.address = address_of(value.substr(0, cut));
    std::string_view annotation = value.substr(cut + 2);
    std::string source = address_of(annotation.substr(annotation.find(':') + 1));
    (expanded ? r.expanded_from : r.forwarded_from) = source;
  }
  if (r.address.empty()) anomalies.push_back("journal-recipient-empty");
  return r;
}

}  // namespace

ExchangeBody parse_exchange_body(std::string_view text) {
  ExchangeBody b;
  bool sender_seen = false;
  bool not_a_field = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (util::trim(line).empty()) continue;
    auto colon = line.find(':');
    std::string_view name =
        colon == std::string_view::npos ? std::string_view{} : util::trim(line.substr(0, colon));
    if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) {
      not_a_field = true;
      continue;
    }
    std::string_view value = util::trim(line.substr(colon + 1));
    RecipientKind kind{};
    if (util::iequals_ascii(name, "Sender")) {
      sender_seen = true;
      b.sender =
          util::iequals_ascii(value, "Unspecified Address") ? std::string() : address_of(value);
    } else if (util::iequals_ascii(name, "On-Behalf-Of")) {
      b.on_behalf_of = address_of(value);
    } else if (util::iequals_ascii(name, "Subject")) {
      b.subject = std::string(value);
    } else if (util::iequals_ascii(name, "Message-ID")) {
      b.has_message_id_field = true;
      b.message_id = util::iequals_ascii(value, "Unknown Message-ID") ? std::string()
                                                                      : normalise_message_id(value);
    } else if (parse_kind(name, kind)) {
      b.recipients.push_back(parse_recipient(value, kind, b.anomalies));
    } else {
      std::string lower = util::to_lower_ascii(name);
      bool known = false;
      for (auto k : kKnownExtraFields) known = known || lower == k;
      if (!known) b.anomalies.push_back("journal-unknown-field:" + std::string(name));
    }
  }
  if (!sender_seen) b.anomalies.push_back("journal-body-without-sender");
  if (not_a_field) b.anomalies.push_back("journal-body-line-not-a-field");
  b.parsed = sender_seen && !not_a_field;
  if (!b.parsed) b.recipients.clear();  // never trust recipients from a body we cannot read
  return b;
}

}  // namespace postjournal::journal
