// How one message reached postjournal: the facts of the SMTP transaction (the milter), of the
// mailbox it was pulled from (postjournal-fetch) or of the import. Stored as part of a delivery
// record; facts a source does not have stay empty. Plain data; thread-safe as a value.
#pragma once

#include <string>
#include <vector>

#include "util/time.hpp"

namespace postjournal::archive {

struct Transport {
  util::TimeUs received = 0;  // receipt time; ingest fills in "now" when 0
  std::string source;         // listener name, mailbox name, or "import"
  std::string client_ip;
  std::string helo;
  std::string tls_version;
  std::string tls_cipher;
  std::string sasl_login;
  std::string spf_result;
  std::string queue_id;
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  // Set by postjournal-fetch only (record version 2): where the message was pulled from.
  std::string fetch_server;    // "host:port"
  std::string fetch_protocol;  // imap, imap+starttls, imaps, pop3, pop3+starttls, pop3s
  std::string fetch_uid;       // "imap UIDVALIDITY UID" or "pop3 UIDL": the mailbox's own id
  std::string tls_peer;        // "sha256:<hex of the server certificate> verified|unverified"
  // Record version 4: a provider's mailbox API (Microsoft Graph) as the source.
  std::string fetch_mailbox;  // the mailbox (user principal name) the message was read from
  std::string fetch_folder;   // its folder path there, "/"-separated ("Inbox/Projects")
  // "" : the bytes as the sender's server transmitted them (SMTP, IMAP, POP3); "provider-mime":
  // MIME the provider generated from its own store (Exchange's $value), not byte-exact evidence.
  std::string fidelity;
  bool operator==(const Transport&) const = default;
};

}  // namespace postjournal::archive
