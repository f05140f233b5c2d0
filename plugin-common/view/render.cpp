#include "view/render.hpp"

#include <algorithm>

namespace postjournal::view {

namespace {

std::string sender_of(const archive::Delivery& d) {
  return d.envelope.sender.empty() ? d.transport.mail_from : d.envelope.sender;
}

std::string id_of(const Listed& l) {
  return archive::DeliveryId{l.tenant, l.delivery.seq}.str();
}

void string_list(util::JsonWriter& w, const std::vector<std::string>& v) {
  w.begin_array();
  for (const auto& s : v) w.value(s);
  w.end_array();
}

}  // namespace

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

void recipients_json(util::JsonWriter& w, const std::vector<journal::Recipient>& recipients) {
  w.begin_array();
  for (const auto& r : recipients) {
    w.begin_object();
    w.key("address").value(r.address);
    w.key("kind").value(journal::to_string(r.kind));
    w.key("expanded_from").string_or_null(r.expanded_from);
    w.key("forwarded_from").string_or_null(r.forwarded_from);
    w.end_object();
  }
  w.end_array();
}

std::string recipient_text(const journal::Recipient& r) {
  std::string v = std::string(journal::to_string(r.kind)) + " " + r.address;
  if (!r.expanded_from.empty()) v += " (expanded from " + r.expanded_from + ")";
  if (!r.forwarded_from.empty()) v += " (forwarded from " + r.forwarded_from + ")";
  return v;
}

void append_line(std::string& out, std::string_view label, std::string_view value) {
  if (value.empty()) return;
  out += pad(std::string(label), 17) + printable(value) + "\n";
}

void append_envelope_lines(std::string& out, const journal::JournalEnvelope& e) {
  append_line(out, "format:",
              e.format + (e.wrapped_in_ndr ? " (wrapped in an NDR)" : "") +
                  (e.decrypted_copy ? " (with decrypted copy)" : ""));
  append_line(out, "sender:", e.sender);
  append_line(out, "on behalf of:", e.on_behalf_of);
  append_line(out, "subject:", e.subject);
  append_line(out, "message-id:", e.message_id);
  for (const auto& r : e.recipients) append_line(out, "recipient:", recipient_text(r));
}

void sort_newest_first(std::vector<Listed>& v) {
  std::stable_sort(v.begin(), v.end(), [](const Listed& a, const Listed& b) {
    if (a.delivery.transport.received != b.delivery.transport.received)
      return a.delivery.transport.received > b.delivery.transport.received;
    if (a.tenant != b.tenant) return a.tenant < b.tenant;
    return a.delivery.seq > b.delivery.seq;
  });
}

std::string list_text(const std::vector<Listed>& v) {
  std::size_t id_w = 2;
  for (const auto& l : v) id_w = std::max(id_w, id_of(l).size());
  std::string out = pad("ID", id_w) + "  " + pad("RECEIVED", 20) + "  " + pad("SIZE", 9) + "  " +
                    pad("SENDER", 30) + "  SUBJECT\n";
  for (const auto& l : v) {
    const auto& d = l.delivery;
    out += pad(id_of(l), id_w) + "  " + util::format_iso8601(d.transport.received) + "  " +
           pad(std::to_string(d.size), 9) + "  " + pad(printable(sender_of(d)), 30) + "  " +
           printable(d.envelope.subject) + "\n";
  }
  out += std::to_string(v.size()) + (v.size() == 1 ? " delivery\n" : " deliveries\n");
  return out;
}

void summary_json(util::JsonWriter& w, const Listed& l) {
  const auto& d = l.delivery;
  w.key("id").value(id_of(l));
  w.key("tenant").value(l.tenant.str());
  w.key("received").value(util::format_iso8601(d.transport.received));
  w.key("sha256").value(util::to_hex(d.content_sha256));
  w.key("size").value(d.size);
  w.key("message_id").string_or_null(d.envelope.message_id);
  w.key("sender").string_or_null(sender_of(d));
  w.key("recipients").begin_array();
  for (const auto& r : d.envelope.recipients) w.value(r.address);
  w.end_array();
  w.key("source").value(d.transport.source);
  w.key("subject").value(d.envelope.subject);
}

std::string list_json(const std::vector<Listed>& v) {
  util::JsonWriter w;
  w.begin_array();
  for (const auto& l : v) {
    w.begin_object();
    summary_json(w, l);
    w.end_object();
  }
  w.end_array();
  return w.str();
}

std::string show_json(const Listed& l, const Related& related) {
  const auto& d = l.delivery;
  const auto& e = d.envelope;
  util::JsonWriter w;
  w.begin_object();
  summary_json(w, l);
  w.key("client_ip").string_or_null(d.transport.client_ip);
  w.key("helo").string_or_null(d.transport.helo);
  w.key("tls_version").string_or_null(d.transport.tls_version);
  w.key("tls_cipher").string_or_null(d.transport.tls_cipher);
  w.key("sasl_login").string_or_null(d.transport.sasl_login);
  w.key("spf_result").string_or_null(d.transport.spf_result);
  w.key("queue_id").string_or_null(d.transport.queue_id);
  w.key("fetch_server").string_or_null(d.transport.fetch_server);
  w.key("fetch_protocol").string_or_null(d.transport.fetch_protocol);
  w.key("fetch_uid").string_or_null(d.transport.fetch_uid);
  w.key("tls_peer").string_or_null(d.transport.tls_peer);
  w.key("fetch_mailbox").string_or_null(d.transport.fetch_mailbox);
  w.key("fetch_folder").string_or_null(d.transport.fetch_folder);
  w.key("fidelity").string_or_null(d.transport.fidelity);
  w.key("assigned_from").string_or_null(d.assigned_from);
  w.key("original_sha256").value(util::to_hex(d.original_sha256));
  w.key("mail_from").value(d.transport.mail_from);
  w.key("rcpt_to");
  string_list(w, d.transport.rcpt_to);
  w.key("envelope").begin_object();
  w.key("format").value(e.format);
  w.key("wrapped_in_ndr").value(e.wrapped_in_ndr);
  w.key("decrypted_copy").value(e.decrypted_copy);
  w.key("on_behalf_of").string_or_null(e.on_behalf_of);
  w.key("recipients");
  recipients_json(w, e.recipients);
  w.key("original_offset").value(e.original_offset);
  w.key("original_size").value(e.original_size);
  w.key("anomalies");
  string_list(w, e.anomalies);
  w.end_object();
  w.key("anomalies");
  string_list(w, d.anomalies);
  w.key("same_original");
  string_list(w, related.same_original);
  w.key("linked_copies");
  string_list(w, related.copies);
  w.end_object();
  return w.str();
}

std::string show_text(const Listed& l, const Related& related) {
  const auto& d = l.delivery;
  const auto& e = d.envelope;
  std::string out;
  auto line = [&out](const char* label, std::string_view value) { append_line(out, label, value); };
  line("id:", id_of(l));
  line("received:", util::format_iso8601(d.transport.received));
  line("source:", d.transport.source);
  line("size:", std::to_string(d.size));
  line("sha256:", util::to_hex(d.content_sha256));
  if (d.original_sha256 != d.content_sha256)
    line("original sha256:", util::to_hex(d.original_sha256));
  line("client:", d.transport.client_ip);
  line("helo:", d.transport.helo);
  line("tls:", d.transport.tls_cipher.empty()
                   ? d.transport.tls_version
                   : d.transport.tls_version + " " + d.transport.tls_cipher);
  line("sasl login:", d.transport.sasl_login);
  line("spf:", d.transport.spf_result);
  line("queue id:", d.transport.queue_id);
  line("fetched from:", d.transport.fetch_server.empty()
                            ? ""
                            : d.transport.fetch_protocol + "://" + d.transport.fetch_server);
  line("mailbox:", d.transport.fetch_mailbox);
  line("folder:", d.transport.fetch_folder);
  line("mailbox uid:", d.transport.fetch_uid);
  line("fidelity:", d.transport.fidelity);
  line("tls peer:", d.transport.tls_peer);
  line("assigned from:", d.assigned_from);
  line("mail from:", d.transport.mail_from);
  for (const auto& r : d.transport.rcpt_to) line("rcpt to:", r);
  append_envelope_lines(out, e);
  if (e.format != "plain" && !e.format.empty()) {
    line("original:",
         std::to_string(e.original_size) + " bytes at offset " + std::to_string(e.original_offset));
  }
  for (const auto& a : e.anomalies) line("anomaly:", a);
  for (const auto& a : d.anomalies) line("anomaly:", a);
  for (const auto& s : related.same_original) line("same original:", s);
  for (const auto& s : related.copies) {
    line(d.transport.fidelity.empty() ? "provider copy:" : "journal copy:", s);
  }
  return out;
}

Related related(const archive::TenantArchive& a, const archive::Delivery& d) {
  Related out;
  archive::SearchQuery same;
  same.content_sha256 = d.original_sha256;  // finds same bytes and other reports of it
  for (const auto& o : a.search(same)) {
    if (o.seq != d.seq) out.same_original.push_back(archive::DeliveryId{a.tenant(), o.seq}.str());
  }
  if (!d.envelope.message_id.empty()) {
    archive::SearchQuery by_id;
    by_id.message_id = d.envelope.message_id;
    by_id.limit = 100;
    for (const auto& o : a.search(by_id)) {
      if (o.seq != d.seq && o.transport.fidelity.empty() != d.transport.fidelity.empty())
        out.copies.push_back(archive::DeliveryId{a.tenant(), o.seq}.str());
    }
  }
  return out;
}

}  // namespace postjournal::view
