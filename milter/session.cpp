#include "session.hpp"

#include <chrono>

#include "metrics/metrics.hpp"
#include "reconstruct.hpp"
#include "util/log.hpp"

namespace postjournal::milter {

namespace {

using util::Outcome;

// Resets the message part on every way out of end_of_message.
class ResetOnExit {
 public:
  explicit ResetOnExit(std::function<void()> fn) : fn_(std::move(fn)) {}
  ~ResetOnExit() { fn_(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  std::function<void()> fn_;
};

// An X-Mailbox-Line: field first means Postfix renamed a leading mbox "From " line.
constexpr std::string_view kMailboxLine = "X-Mailbox-Line";

}  // namespace

std::string strip_angle(const std::string& address) {
  if (address.size() >= 2 && address.front() == '<' && address.back() == '>') {
    return address.substr(1, address.size() - 2);
  }
  return address;
}

void Session::reset_message() {
  stage_ = Stage::kIdle;
  txn_.reset();
  mail_from_.clear();
  sasl_login_.clear();
  rcpts_.clear();
  resolver_headers_.clear();
  anomalies_.clear();
  buffer_.reset();
  too_big_ = false;
  failed_.clear();
}

void Session::abort() {
  reset_message();
}

Outcome Session::internal(const std::string& why) {
  util::log(util::LogLevel::kWarning, "tempfail client=" + client_ip_ + " reason=" + why);
  metrics::Registry::instance().tempfail(metrics::Tempfail::kProtocol);
  return Outcome::kInternal;
}

Outcome Session::connect(const std::string& client_ip) {
  reset_message();
  client_ip_ = client_ip;
  helo_.clear();
  return Outcome::kContinue;
}

Outcome Session::helo(const std::string& helo) {
  helo_ = helo;
  return Outcome::kContinue;
}

Outcome Session::mail_from(const std::string& address, const std::string& sasl_login) {
  reset_message();
  mail_from_ = strip_angle(address);
  sasl_login_ = sasl_login;
  txn_.emplace(rt_->resolver.begin({client_ip_, helo_, sasl_login_, mail_from_}));
  const auto& c = *rt_->config;
  buffer_ = std::make_unique<util::SpillBuffer>(c.milter_memory_limit, c.milter_spool_dir,
                                                c.milter_max_message_size);
  stage_ = Stage::kEnvelope;
  return Outcome::kContinue;
}

Outcome Session::rcpt(const std::string& address) {
  if (stage_ != Stage::kEnvelope) return internal("RCPT outside a transaction");
  std::string rcpt = strip_angle(address);
  tenant::Decision d = txn_->rcpt(rcpt);
  switch (d.verdict) {
    case tenant::Verdict::kAccept:
    case tenant::Verdict::kUnassigned:
      rcpts_.push_back(rcpt);
      return Outcome::kContinue;
    case tenant::Verdict::kSplit:
      return Outcome::kSplit;
    case tenant::Verdict::kTempfail:
      util::log(util::LogLevel::kInfo, "NOQUEUE: tempfail from=<" + mail_from_ + "> to=<" + rcpt +
                                           "> client=" + client_ip_ + " reason=" + d.reason);
      metrics::Registry::instance().tempfail(metrics::Tempfail::kResolver);
      return Outcome::kResolverTempfail;
    case tenant::Verdict::kReject:
      util::log(util::LogLevel::kInfo, "NOQUEUE: reject from=<" + mail_from_ + "> to=<" + rcpt +
                                           "> client=" + client_ip_ + " reason=" + d.reason);
      return Outcome::kRejected;
  }
  return internal("unexpected resolver answer");
}

void Session::fail_later(const std::string& why) noexcept {
  if (failed_.empty()) failed_ = why.empty() ? "failed" : why;
}

void Session::append(std::string_view bytes) {
  if (!buffer_->append(bytes)) too_big_ = true;
}

void Session::header(const std::string& name, const std::string& value) noexcept {
  try {
    if (stage_ == Stage::kIdle || too_big_ || !failed_.empty()) return;
    if (stage_ == Stage::kEnvelope) {
      stage_ = Stage::kData;
      if (name == kMailboxLine) anomalies_.push_back("mbox-from-line-renamed-by-mta");
    }
    if (value.size() >= kLongHeaderValue) {
      // Postfix hands a milter at most about 60 KB of one header: a longer one arrives cut, and
      // the milter cannot see what is missing. Say so on the delivery instead of storing it
      // silently.
      anomalies_.push_back("long-header-may-be-cut:" + name + ":" + std::to_string(value.size()));
      util::log(util::LogLevel::kWarning,
                "header " + name + " of " + std::to_string(value.size()) +
                    " bytes may have been cut by the MTA before the milter");
    }
    if (tenant::is_resolver_header(name)) resolver_headers_.emplace_back(name, value);
    append(header_line(name, value));
  } catch (const std::exception& e) {
    fail_later(std::string("header: ") + e.what());
  } catch (...) {
    fail_later("header");
  }
}

void Session::end_of_headers() noexcept {
  try {
    if (stage_ == Stage::kIdle) return;
    stage_ = Stage::kData;
    if (!too_big_ && failed_.empty()) append("\r\n");
  } catch (const std::exception& e) {
    fail_later(std::string("end of headers: ") + e.what());
  }
}

void Session::body(std::string_view chunk) noexcept {
  try {
    if (stage_ == Stage::kIdle || too_big_ || !failed_.empty()) return;
    if (stage_ == Stage::kEnvelope) {
      // A body before the end of headers (no MTA does this): the bytes cannot be rebuilt in
      // order, so the message is refused (451) rather than stored without this chunk.
      fail_later("body before the end of headers");
      return;
    }
    append(chunk);
  } catch (const std::exception& e) {
    fail_later(std::string("body: ") + e.what());
  }
}

Outcome Session::end_of_message(const EndFacts& facts, const std::function<void()>& progress) {
  last_report_.reset();
  ResetOnExit reset([this] { reset_message(); });  // nothing of this message reaches the next
  return finish(facts, progress);
}

Outcome Session::finish(const EndFacts& facts, const std::function<void()>& progress) {
  std::string qid = facts.queue_id.empty() ? "NOQUEUE" : facts.queue_id;
  if (stage_ == Stage::kIdle || rcpts_.empty()) return internal("no transaction to archive");
  if (!failed_.empty()) return internal(qid + ": " + failed_);
  if (too_big_) return Outcome::kTooBig;
  tenant::Decision d = txn_->finish(resolver_headers_);
  if (d.verdict == tenant::Verdict::kReject) {
    util::log(util::LogLevel::kInfo, qid + ": reject reason=" + d.reason);
    return Outcome::kRejected;
  }
  if (d.verdict == tenant::Verdict::kTempfail) {
    util::log(util::LogLevel::kInfo, qid + ": tempfail reason=" + d.reason);
    service_.record_failure(d.listener, d.reason);
    metrics::Registry::instance().tempfail(metrics::Tempfail::kResolver);
    return Outcome::kResolverTempfail;
  }
  ingest::TransportFacts f;
  f.source = d.listener.empty() ? "no-tenant" : d.listener;
  f.client_ip = client_ip_;
  f.helo = helo_;
  f.tls_version = facts.tls_version;
  f.tls_cipher = facts.tls_cipher;
  f.sasl_login = sasl_login_;
  if (auto spf = txn_->spf()) f.spf_result = std::string(tenant::to_string(*spf));
  f.queue_id = facts.queue_id;
  f.mail_from = mail_from_;
  f.rcpt_to = rcpts_;
  f.trust_journal = d.trust_journal;
  if (d.verdict == tenant::Verdict::kUnassigned) f.anomalies.push_back("unassigned:" + d.reason);
  if (d.connector_validation) f.anomalies.push_back("connector-validation");
  f.anomalies.insert(f.anomalies.end(), anomalies_.begin(), anomalies_.end());

  archive::MessageBytes bytes = buffer_->spilled()
                                    ? archive::MessageBytes::from_file(buffer_->file_path())
                                    : archive::MessageBytes::from_string(buffer_->take_memory());
  buffer_->clear();  // the spill file is mapped; its name can go
  ingest::StoreOptions opts;
  opts.merge_retransmission = true;
  opts.deadline = std::chrono::seconds(rt_->config->milter_commit_timeout);
  opts.progress = progress;
  ingest::Report r =
      service_.store(ingest::Service::tenant_of(d.tenant), f, std::move(bytes), opts);
  last_report_ = r;
  if (!r.ok()) {
    util::log(util::LogLevel::kWarning, qid + ": tempfail " + r.log_fields());
    return r.outcome;
  }
  util::log(util::LogLevel::kInfo, qid + ": stored " + r.log_fields());
  bool accept =
      d.verdict == tenant::Verdict::kAccept && d.after_archive == config::AfterArchive::kAccept;
  return accept ? Outcome::kStored : Outcome::kStoredDiscard;
}

}  // namespace postjournal::milter
