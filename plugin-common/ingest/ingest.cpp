#include "ingest/ingest.hpp"

#include "journal/extract.hpp"

namespace postjournal::ingest {

archive::Delivery make_delivery(const TransportFacts& facts, const archive::MessageBytes& bytes) {
  archive::Delivery d;
  d.received = facts.received != 0 ? facts.received : util::now_us();
  d.source = facts.source;
  d.client_ip = facts.client_ip;
  d.helo = facts.helo;
  d.tls_version = facts.tls_version;
  d.tls_cipher = facts.tls_cipher;
  d.sasl_login = facts.sasl_login;
  d.spf_result = facts.spf_result;
  d.queue_id = facts.queue_id;
  d.mail_from = facts.mail_from;
  d.rcpt_to = facts.rcpt_to;
  d.anomalies = facts.anomalies;
  d.fetch_server = facts.fetch_server;
  d.fetch_protocol = facts.fetch_protocol;
  d.fetch_uid = facts.fetch_uid;
  d.tls_peer = facts.tls_peer;
  d.envelope = journal::extract_envelope(bytes.view(), {facts.mail_from, facts.rcpt_to});
  if (!facts.trust_journal && d.envelope.format != "plain") {
    d.envelope.anomalies.push_back("journal-envelope-untrusted");
    d.envelope.sender = facts.mail_from;
    d.envelope.on_behalf_of.clear();
    d.envelope.recipients.clear();
    for (const auto& r : facts.rcpt_to) {
      d.envelope.recipients.push_back({r, journal::RecipientKind::kEnvelope, {}, {}});
    }
  }
  return d;
}

archive::StoreResult ingest(archive::TenantArchive& archive, const TransportFacts& facts,
                            archive::MessageBytes bytes) {
  archive::Delivery d = make_delivery(facts, bytes);
  return archive.store(std::move(d), std::move(bytes));
}

}  // namespace postjournal::ingest
