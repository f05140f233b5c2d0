// How deliveries look on the terminal, in --json and in postjournal-web's JSON API. The JSON
// keys of a listing are stable: id, tenant, received, sha256, size, message_id, sender,
// recipients, source, subject.
// `show` adds the full evidence. Text output replaces control characters so that hostile header
// values cannot drive the terminal.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "archive/delivery.hpp"
#include "archive/tenant_archive.hpp"
#include "util/json_writer.hpp"
#include "util/strings.hpp"

namespace postjournal::view {

struct Listed {
  archive::TenantId tenant;
  archive::Delivery delivery;
};

void sort_newest_first(std::vector<Listed>& v);

std::string list_text(const std::vector<Listed>& v);
std::string list_json(const std::vector<Listed>& v);

// The keys of one listing entry, written into an object the caller opened.
void summary_json(util::JsonWriter& w, const Listed& l);
// Deliveries `show` names beside one: `same_original`, the ids of the other deliveries of the
// same bytes or of the same embedded original (other journal reports of one message);
// `copies`, the ids of deliveries with the same Message-ID but the other fidelity (a mailbox
// copy read through a provider's API - fidelity provider-mime - and the journal copy, which
// stays the byte-exact evidence). Shown as "same original:", "journal copy:" / "provider copy:".
struct Related {
  std::vector<std::string> same_original;
  std::vector<std::string> copies;
};
std::string show_text(const Listed& l, const Related& related);
std::string show_json(const Listed& l, const Related& related);
Related related(const archive::TenantArchive& a, const archive::Delivery& d);

using util::printable;
// s, padded with spaces to at least `width` characters (table columns).
std::string pad(std::string s, std::size_t width);

// The journal recipients as a JSON array of {address, kind, expanded_from, forwarded_from}, and
// one recipient as text ("bcc a@x (expanded from list@x)").
void recipients_json(util::JsonWriter& w, const std::vector<journal::Recipient>& recipients);
std::string recipient_text(const journal::Recipient& r);

// "label:           value\n" (value made printable); nothing when value is empty.
void append_line(std::string& out, std::string_view label, std::string_view value);
// The envelope's format, sender, on-behalf-of, subject, Message-ID and recipients as lines.
void append_envelope_lines(std::string& out, const journal::JournalEnvelope& e);

}  // namespace postjournal::view
