// The one path from "bytes + transport facts" to a durable delivery: extract the journal envelope,
// build the delivery record, submit it to the tenant's writer and wait for the group commit.
// The milter, the fetcher and `postjournal import` all call this. Thread-safe; blocks the
// calling thread until the commit is on disk or failed. Never throws for bad message bytes.
#pragma once

#include <string>
#include <vector>

#include "archive/tenant_archive.hpp"

namespace postjournal::ingest {

// What the transport knows about one message. Unknown facts stay empty.
struct TransportFacts {
  util::TimeUs received = 0;  // 0 = now
  std::string source;         // listener or mailbox name, or "import"
  std::string client_ip;
  std::string helo;
  std::string tls_version;
  std::string tls_cipher;
  std::string sasl_login;
  std::string spf_result;
  std::string queue_id;
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::vector<std::string> anomalies;
  std::string fetch_server;  // postjournal-fetch only: see archive::Delivery
  std::string fetch_protocol;
  std::string fetch_uid;
  std::string tls_peer;
  // False when the transaction was not attributed to a journaling listener: then the sender and
  // recipients a message claims (report body, X-Envelope-To, ...) are not believed; the SMTP
  // envelope is recorded instead and the claim is flagged (promise 4).
  bool trust_journal = true;
};

archive::Delivery make_delivery(const TransportFacts& facts, const archive::MessageBytes& bytes);

archive::StoreResult ingest(archive::TenantArchive& archive, const TransportFacts& facts,
                            archive::MessageBytes bytes);

}  // namespace postjournal::ingest
