// One connection to a journal mailbox (IMAP, IMAPS, POP3, POP3S, with or without STARTTLS),
// through vmime's net services. The only code in the project that includes vmime is this module
// (mail_store.cpp, tls_trust.cpp), so its types never leak further.
//
// Contract: connect() establishes TLS as configured, verifies the server certificate and host
// name (unless validate_certificates is false), authenticates and opens the folder; any failure is
// a FetchError naming its class. fetch() returns the message exactly as the server holds it:
// vmime's POP3 extraction drops the message's final CRLF, which fetch() puts back (checked
// against the size the server announced), so one message hashes the same over IMAP and POP3.
// mark_deleted() only flags: IMAP expunges and POP3 commits DELE in close(true). Not thread-safe:
// one MailStore per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace postjournal::fetch {

enum class Failure {
  kConfig,       // unusable settings (password file unreadable, ...)
  kResolve,      // the host name does not resolve
  kConnect,      // TCP connect failed, connection lost, or the server timed out
  kTls,          // TLS handshake failed, or STARTTLS required but not offered
  kCertificate,  // the certificate chain is not trusted (or expired)
  kHostname,     // the certificate does not name the host
  kAuth,         // the server refused the login
  kFolder,       // the configured folder does not exist
  kProtocol,     // anything else the server or the protocol did wrong
  kArchive,      // the archive refused the message (full, failed)
  kBusy,         // another process is pulling this mailbox
};

// Stable lower-case name used in log lines, status and `--validate` output.
const char* failure_name(Failure f);

class FetchError : public std::runtime_error {
 public:
  FetchError(Failure f, const std::string& what) : std::runtime_error(what), failure_(f) {}
  Failure failure() const { return failure_; }

 private:
  Failure failure_;
};

struct RemoteMessage {
  std::size_t number = 0;  // position in the folder for this session (1-based)
  std::string uid;         // "imap UIDVALIDITY UID" or "pop3 UIDL": stable across sessions
  std::uint64_t size = 0;  // as announced by the server
};

struct ConnectionFacts {
  std::string server;    // host:port
  std::string protocol;  // imap, imap+starttls, imaps, pop3, pop3+starttls, pop3s
  bool secured = false;
  bool verified = false;  // certificate and host name checked
  std::string tls_peer;   // "sha256:<hex> verified|unverified" or empty without TLS
};

class MailStore {
 public:
  // `secret` is the resolved password (read_password()) or, for a mailbox with oauth2, an
  // access token (puller.hpp's credential()), sent with SASL XOAUTH2 and nothing else.
  MailStore(const config::Mailbox& m, std::string secret);
  ~MailStore();
  MailStore(const MailStore&) = delete;
  MailStore& operator=(const MailStore&) = delete;

  void connect();                      // resolve, connect, TLS, verify, authenticate
  std::vector<std::string> folders();  // every folder, "/"-separated (POP3: INBOX)
  void open_folder();                  // the configured folder (POP3: INBOX), read-write
  std::vector<RemoteMessage> list();   // messages of the open folder, in folder order
  std::string fetch(const RemoteMessage& m);
  void mark_deleted(const RemoteMessage& m);
  // Closes the folder (expunging / committing deletions when `expunge`) and logs out. Safe to
  // call after a failure; never throws. False when the folder could not be closed cleanly (then
  // flagged deletions may not have happened; the next run deletes them). IMAP: true means the
  // server answered OK to EXPUNGE. POP3: DELE is committed at QUIT, whose reply vmime ignores.
  bool close(bool expunge) noexcept;
  const ConnectionFacts& facts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The mailbox's password: `password`, or the first line of `password_file`. Throws FetchError
// (kConfig) when the file cannot be read or is empty.
std::string read_password(const config::Mailbox& m);
// Whether the mailbox logs in with SASL XOAUTH2 (an oauth2: setting) instead of a password.
bool uses_oauth2(const config::Mailbox& m);

// Default port of a protocol (143, 993, 110, 995).
std::uint16_t default_port(config::MailProtocol p);

}  // namespace postjournal::fetch
