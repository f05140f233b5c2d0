// One SMTP connection as the milter sees it, without libmilter: a connection part (client,
// HELO) and a message part (MAIL FROM, RCPTs, the message bytes), in an explicit stage: idle ->
// envelope (after MAIL FROM) -> data (after the first header or the end of headers). The message
// part is reset on abort, on each MAIL FROM and on every exit from end_of_message. Every step
// returns a util::Outcome; the callbacks map it to libmilter's answers through the one table in
// replies.hpp. Details (which listener, which error) go to the log, never to the client.
//
// Header, end-of-headers and body steps never fail visibly: the milter negotiates "no reply" for
// them (callbacks.cpp), so a failure there (out of spool space, an exception) is remembered and
// answered at end of message as kInternal (451 4.3.0).
//
// End of message: the bytes rebuilt from the callbacks (every header as received, in order, the
// empty line, then the body; Postfix's own Received: line is not among them, see the README's
// byte-exactness paragraph), the tenant resolved with the headers it needs
// (tenant::is_resolver_header), then one ingest::Service::store() call: extract, commit durably,
// record source state and metrics. Then kStored / kStoredDiscard as the listener says. Not
// thread-safe: one Session per connection.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/ingest.hpp"
#include "runtime.hpp"
#include "util/outcome.hpp"
#include "util/spill_buffer.hpp"

namespace postjournal::milter {

struct EndFacts {
  std::string queue_id;
  std::string tls_version;
  std::string tls_cipher;
};

class Session {
 public:
  Session(std::shared_ptr<const Runtime> runtime, ingest::Service& service)
      : rt_(std::move(runtime)), service_(service) {}

  enum class Stage { kIdle, kEnvelope, kData };
  Stage stage() const { return stage_; }

  util::Outcome connect(const std::string& client_ip);
  util::Outcome helo(const std::string& helo);
  util::Outcome mail_from(const std::string& address, const std::string& sasl_login);
  util::Outcome rcpt(const std::string& address);
  // Never throw; a failure is answered at end of message.
  void header(const std::string& name, const std::string& value) noexcept;
  void end_of_headers() noexcept;
  void body(std::string_view chunk) noexcept;
  // Remembers that a no-reply step failed outside the Session (the callbacks' barrier).
  void fail_later(const std::string& why) noexcept;
  // `progress` is called while waiting for the commit (libmilter's smfi_progress).
  util::Outcome end_of_message(const EndFacts& facts, const std::function<void()>& progress);
  void abort();

  // The last end of message's store report (tests, the fuzz target); nullopt before the first
  // store and after a message that was refused before the store.
  const std::optional<ingest::Report>& last_report() const { return last_report_; }

 private:
  void reset_message();
  util::Outcome internal(const std::string& why);
  util::Outcome finish(const EndFacts& facts, const std::function<void()>& progress);
  void append(std::string_view bytes);

  std::shared_ptr<const Runtime> rt_;
  ingest::Service& service_;
  Stage stage_ = Stage::kIdle;
  std::string client_ip_;
  std::string helo_;
  // message part
  std::optional<tenant::Transaction> txn_;
  std::string mail_from_;
  std::string sasl_login_;
  std::vector<std::string> rcpts_;
  tenant::HeaderList resolver_headers_;  // only the fields the resolver reads
  std::vector<std::string> anomalies_;   // noticed while receiving this message
  std::unique_ptr<util::SpillBuffer> buffer_;
  bool too_big_ = false;
  std::string failed_;  // a no-reply step failed: answered at end of message
  std::optional<ingest::Report> last_report_;
};

// "<a@b>" -> "a@b"
std::string strip_angle(const std::string& address);

}  // namespace postjournal::milter
