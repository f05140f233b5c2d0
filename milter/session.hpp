// One SMTP connection as the milter sees it, without libmilter: a connection part (client,
// HELO, TLS) and a message part (MAIL FROM, RCPTs, the message bytes), reset on abort and on
// each MAIL FROM. Every step returns a Reply that the callbacks map to libmilter's answers.
//
// End of message: rebuild the exact bytes (Postfix's Received: header first, then every header
// as received, then the body), resolve the tenant with the headers, extract the journal
// envelope, submit to the tenant's writer and wait for the durable commit; then ACCEPT or
// DISCARD as the listener says. Internal failures are 451 4.3.0, a full archive 452 4.3.1;
// 550 5.7.1 only for `unassigned: reject`. Not thread-safe: one Session per connection.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime.hpp"
#include "util/spill_buffer.hpp"

namespace postjournal::milter {

enum class Action { kContinue, kAccept, kDiscard, kTempfail, kReject };

struct Reply {
  Action action = Action::kContinue;
  std::string rcode;  // "451", "452", "550", "552" (empty: Postfix's default text)
  std::string xcode;
  std::string text;
};

struct EndFacts {
  std::string queue_id;
  std::string tls_version;
  std::string tls_cipher;
};

class Session {
 public:
  explicit Session(std::shared_ptr<const Runtime> runtime) : rt_(std::move(runtime)) {}

  Reply connect(const std::string& client_ip);
  Reply helo(const std::string& helo);
  Reply mail_from(const std::string& address, const std::string& sasl_login);
  Reply rcpt(const std::string& address);
  Reply header(const std::string& name, const std::string& value);
  Reply end_of_headers();
  Reply body(std::string_view chunk);
  // `progress` is called while waiting for the commit (libmilter's smfi_progress).
  Reply end_of_message(const EndFacts& facts, const std::function<void()>& progress);
  void abort();

  // For tests: the bytes rebuilt so far (in memory only).
  const std::string& summary() const { return last_summary_; }

 private:
  void reset_message();
  Reply tempfail(const std::string& why);
  // Source state for `postjournal status` and alerts; failures to record are logged, never fatal.
  void note_stored(const std::string& source, const std::string& id, std::uint64_t size);
  void note_failure(const std::string& source, const std::string& reason);

  std::shared_ptr<const Runtime> rt_;
  std::string client_ip_;
  std::string helo_;
  // message part
  std::optional<tenant::Transaction> txn_;
  std::string mail_from_;
  std::string sasl_login_;
  std::vector<std::string> rcpts_;
  tenant::HeaderList headers_;
  std::vector<std::string> anomalies_;  // noticed while receiving this message
  std::unique_ptr<util::SpillBuffer> buffer_;
  bool too_big_ = false;
  std::string last_summary_;
};

// "<a@b>" -> "a@b"
std::string strip_angle(const std::string& address);

}  // namespace postjournal::milter
