#include "session.hpp"

#include <chrono>
#include <future>

#include "ingest/ingest.hpp"
#include "metrics/metrics.hpp"
#include "reconstruct.hpp"
#include "state/source_state.hpp"
#include "util/log.hpp"

namespace postjournal::milter {

namespace {

using Clock = std::chrono::steady_clock;

Reply reply(Action a, std::string rcode = {}, std::string xcode = {}, std::string text = {}) {
  return {a, std::move(rcode), std::move(xcode), std::move(text)};
}

}  // namespace

std::string strip_angle(const std::string& address) {
  if (address.size() >= 2 && address.front() == '<' && address.back() == '>') {
    return address.substr(1, address.size() - 2);
  }
  return address;
}

void Session::reset_message() {
  txn_.reset();
  mail_from_.clear();
  sasl_login_.clear();
  rcpts_.clear();
  headers_.clear();
  anomalies_.clear();
  buffer_.reset();
  too_big_ = false;
}

void Session::abort() {
  reset_message();
}

void Session::note_stored(const std::string& source, const std::string& id, std::uint64_t size) {
  try {
    state::StateStore::open(rt_->config->archive_root)
        ->record_message(source, util::now_us(), id, size);
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kWarning, "cannot record source state: " + std::string(e.what()));
  }
}

void Session::note_failure(const std::string& source, const std::string& reason) {
  if (source.empty()) return;
  try {
    state::StateStore::open(rt_->config->archive_root)
        ->record_failure(source, util::now_us(), reason);
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kWarning, "cannot record source state: " + std::string(e.what()));
  }
}

Reply Session::tempfail(const std::string& why) {
  metrics::Registry::instance().tempfail(metrics::Tempfail::kProtocol);
  return reply(Action::kTempfail, "451", "4.3.0", why);
}

Reply Session::connect(const std::string& client_ip) {
  client_ip_ = client_ip;
  return {};
}

Reply Session::helo(const std::string& helo) {
  helo_ = helo;
  return {};
}

Reply Session::mail_from(const std::string& address, const std::string& sasl_login) {
  reset_message();
  mail_from_ = strip_angle(address);
  sasl_login_ = sasl_login;
  txn_.emplace(rt_->resolver.begin({client_ip_, helo_, sasl_login_, mail_from_}));
  const auto& c = *rt_->config;
  buffer_ = std::make_unique<util::SpillBuffer>(c.milter_memory_limit, c.milter_spool_dir,
                                                c.milter_max_message_size);
  return {};
}

Reply Session::rcpt(const std::string& address) {
  if (!txn_) return tempfail("RCPT before MAIL FROM");
  std::string rcpt = strip_angle(address);
  tenant::Decision d = txn_->rcpt(rcpt);
  switch (d.verdict) {
    case tenant::Verdict::kAccept:
    case tenant::Verdict::kUnassigned:
      rcpts_.push_back(rcpt);
      return {};
    case tenant::Verdict::kSplit:
      return reply(Action::kTempfail, "452", "4.5.3",
                   "this recipient belongs to another archive; send it separately");
    case tenant::Verdict::kTempfail:
      util::log(util::LogLevel::kInfo, "NOQUEUE: tempfail from=<" + mail_from_ + "> to=<" + rcpt +
                                           "> client=" + client_ip_ + " reason=" + d.reason);
      metrics::Registry::instance().tempfail(metrics::Tempfail::kResolver);
      return reply(Action::kTempfail, "451", "4.7.1", d.reason);
    case tenant::Verdict::kReject:
      util::log(util::LogLevel::kInfo, "NOQUEUE: reject from=<" + mail_from_ + "> to=<" + rcpt +
                                           "> client=" + client_ip_ + " reason=" + d.reason);
      return reply(Action::kReject, "550", "5.7.1", "no archive accepts mail from this source");
  }
  return tempfail("unexpected resolver answer");
}

Reply Session::header(const std::string& name, const std::string& value) {
  if (!buffer_ || too_big_) return {};
  std::string line = header_line(name, value);
  if (value.size() >= kLongHeaderValue) {
    // Postfix hands a milter at most about 60 KB of one header: a longer one arrives cut, and the
    // milter cannot see what is missing. Say so on the delivery instead of storing it silently.
    anomalies_.push_back("long-header-may-be-cut:" + name + ":" + std::to_string(value.size()));
    util::log(util::LogLevel::kWarning,
              "header " + name + " of " + std::to_string(value.size()) +
                  " bytes may have been cut by the MTA before the milter");
  }
  headers_.emplace_back(name, value);
  if (!buffer_->append(line)) too_big_ = true;
  return {};
}

Reply Session::end_of_headers() {
  if (buffer_ && !too_big_ && !buffer_->append("\r\n")) too_big_ = true;
  return {};
}

Reply Session::body(std::string_view chunk) {
  if (buffer_ && !too_big_ && !buffer_->append(chunk)) too_big_ = true;
  return {};
}

Reply Session::end_of_message(const EndFacts& facts, const std::function<void()>& progress) {
  auto start = Clock::now();
  std::string qid = facts.queue_id.empty() ? "NOQUEUE" : facts.queue_id;
  if (!txn_ || !buffer_ || rcpts_.empty()) {
    reset_message();  // nothing of this attempt may leak into the next one
    return tempfail("no transaction to archive");
  }
  if (too_big_) {
    reset_message();
    return reply(Action::kReject, "552", "5.3.4", "message is larger than the archive accepts");
  }
  tenant::Decision d = txn_->finish(headers_);
  if (d.verdict == tenant::Verdict::kReject) {
    util::log(util::LogLevel::kInfo, qid + ": reject reason=" + d.reason);
    reset_message();
    return reply(Action::kReject, "550", "5.7.1", "no archive accepts this message");
  }
  if (d.verdict == tenant::Verdict::kTempfail) {
    note_failure(d.listener, d.reason);
    metrics::Registry::instance().tempfail(metrics::Tempfail::kResolver);
    reset_message();
    return reply(Action::kTempfail, "451", "4.7.1", d.reason);
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
  auto archive = rt_->archive_for(d.tenant);
  archive::Delivery delivery = ingest::make_delivery(f, bytes);
  delivery.merge_retransmission = true;
  std::uint64_t size = bytes.size();
  auto future = archive->submit(std::move(delivery), std::move(bytes));
  auto deadline = start + std::chrono::seconds(rt_->config->milter_commit_timeout);
  while (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    if (Clock::now() > deadline) {
      util::log(util::LogLevel::kWarning, qid + ": tempfail reason=commit-timeout");
      note_failure(f.source, "commit-timeout");
      metrics::Registry::instance().tempfail(metrics::Tempfail::kCommitTimeout);
      reset_message();
      return reply(Action::kTempfail, "451", "4.3.0", "archive commit timed out, try again later");
    }
    progress();
  }
  archive::StoreResult r = future.get();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  std::string tenant = d.tenant.empty() ? std::string(archive::kNoTenantName) : d.tenant;
  if (!r.ok()) {
    util::log(util::LogLevel::kWarning, qid + ": tempfail tenant=" + tenant +
                                            " size=" + std::to_string(size) + " reason=" + r.error);
    note_failure(f.source, r.error);
    reset_message();
    bool full = r.status == archive::StoreStatus::kFull;
    metrics::Registry::instance().tempfail(full ? metrics::Tempfail::kArchiveFull
                                                : metrics::Tempfail::kArchiveError);
    if (full) {
      return reply(Action::kTempfail, "452", "4.3.1", "archive is full, try again later");
    }
    return reply(Action::kTempfail, "451", "4.3.0", "archive unavailable, try again later");
  }
  std::string id = tenant + ":" + std::to_string(r.seq);
  last_summary_ = qid + ": stored tenant=" + tenant + " id=" + id + " source=" + f.source +
                  " size=" + std::to_string(size) + " ms=" + std::to_string(ms) +
                  (r.retransmission    ? " retransmission=yes"
                   : r.content_existed ? " duplicate=yes"
                                       : "");
  util::log(util::LogLevel::kInfo, last_summary_);
  note_stored(f.source, id, size);
  if (!r.retransmission) {
    metrics::Registry::instance().stored(
        tenant, f.source, size, std::chrono::duration<double>(Clock::now() - start).count());
  }
  bool accept =
      d.verdict == tenant::Verdict::kAccept && d.after_archive == config::AfterArchive::kAccept;
  reset_message();
  return reply(accept ? Action::kAccept : Action::kDiscard);
}

}  // namespace postjournal::milter
