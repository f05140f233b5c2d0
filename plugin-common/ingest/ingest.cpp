#include "ingest/ingest.hpp"

#include "archive/maintain.hpp"

#include <set>
#include <stdexcept>

#include "archive/registry.hpp"
#include "journal/extract.hpp"
#include "metrics/metrics.hpp"
#include "util/log.hpp"

namespace postjournal::ingest {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::set<archive::TenantId> configured_tenants(const config::Config& c) {
  std::set<archive::TenantId> out{archive::TenantId::no_tenant()};
  auto add = [&out](const std::string& t) {
    if (auto id = archive::TenantId::parse(t)) out.insert(*id);
  };
  for (const auto& l : c.listeners) add(l.tenant);
  for (const auto& m : c.mailboxes) add(m.tenant);
  return out;
}

metrics::Tempfail tempfail_class(util::Outcome o) {
  switch (o) {
    case util::Outcome::kArchiveFull:
      return metrics::Tempfail::kArchiveFull;
    case util::Outcome::kCommitTimeout:
      return metrics::Tempfail::kCommitTimeout;
    default:
      return metrics::Tempfail::kArchiveError;
  }
}

}  // namespace

std::string Report::log_fields() const {
  std::string out = "tenant=" + tenant.str();
  if (ok()) {
    out += " id=" + id() + " source=" + source + " size=" + std::to_string(size) +
           " ms=" + std::to_string(ms);
    if (retransmission) {
      out += " retransmission=yes";
    } else if (content_existed) {
      out += " duplicate=yes";
    }
    return out;
  }
  return out + " source=" + source + " size=" + std::to_string(size) + " ms=" + std::to_string(ms) +
         " reason=" + detail;
}

archive::Delivery make_delivery(const TransportFacts& facts, const archive::MessageBytes& bytes) {
  archive::Delivery d;
  d.transport = facts;  // the archive::Transport part
  if (d.transport.received == 0) d.transport.received = util::now_us();
  d.anomalies = facts.anomalies;
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

archive::ArchiveOptions archive_options(const config::Config& c) {
  archive::ArchiveOptions o;
  o.env.initial_map_size = c.archive_initial_map_size;
  o.env.max_map_size = c.archive_max_map_size;
  o.writer.max_batch = c.archive_batch_max;
  o.writer.max_batch_bytes = c.archive_batch_bytes;
  o.writer.max_wait = std::chrono::milliseconds(c.archive_batch_wait_ms);
  o.storage.compress = c.archive_compression == config::Compression::kZstd;
  o.storage.level = static_cast<int>(c.archive_compression_level);
  o.storage.encrypt = c.archive_encryption == config::Encryption::kAes256Gcm;
  o.storage.key_dir = c.archive_key_dir;
  return o;
}

std::string storage_problem(const config::Config& c) {
  archive::StorageOptions opts = archive_options(c).storage;
  std::set<archive::TenantId> tenants;
  for (const auto& t : archive::list_tenants(c.archive_root)) tenants.insert(t);
  for (const auto& l : c.listeners) {
    if (auto t = archive::TenantId::parse(l.tenant)) tenants.insert(*t);
  }
  for (const auto& m : c.mailboxes) {
    if (auto t = archive::TenantId::parse(m.tenant)) tenants.insert(*t);
  }
  tenants.insert(archive::TenantId::no_tenant());  // the connector validation mail goes there
  for (const auto& t : tenants) {
    archive::KeyStatus s;
    try {
      s = archive::key_status(c.archive_root, t, opts, false);
    } catch (const std::exception& e) {
      return "tenant " + t.str() + ": " + e.what();
    }
    if (s.encrypted && !opts.encrypt) {
      return "the archive of tenant " + t.str() +
             " is encrypted but archive.encryption is none: refusing to store mail in clear "
             "text (set archive.encryption: aes-256-gcm)";
    }
    if (!opts.encrypt) continue;
    if (!s.file_ok) {
      return s.file_error + " (archive.encryption is aes-256-gcm: postjournal key init --tenant " +
             t.str() + ", or restore the file from its backup)";
    }
    if (!s.matches) {
      return "tenant " + t.str() + ": key file " + s.path +
             " is not the key this archive was encrypted with";
    }
  }
  return "";
}

Service::Service(std::shared_ptr<const config::Config> config)
    : root_(config->archive_root), config_(std::move(config)) {
  // The registry must outlive this Service (its archives tell the registry when they close):
  // constructing it first makes it destroyed later, also when the Service is a static object.
  (void)archive::Registry::instance();
}

state::StateStore& Service::state() {
  std::lock_guard lock(state_mu_);
  if (!state_) state_ = std::make_unique<state::StateStore>(root_);
  return *state_;
}

Service::~Service() {
  std::map<archive::TenantId, std::shared_ptr<archive::TenantArchive>> closing;
  {
    std::lock_guard lock(mu_);
    closing.swap(archives_);
  }
  closing.clear();  // outside the lock: each close drains its writer
}

void Service::reconfigure(std::shared_ptr<const config::Config> config) {
  if (config->archive_root != root_) {
    throw std::runtime_error("archive.root cannot change while running (" + root_ + " -> " +
                             config->archive_root + "); restart to use the new root");
  }
  auto keep = configured_tenants(*config);
  std::vector<std::shared_ptr<archive::TenantArchive>> closing;
  {
    std::lock_guard lock(mu_);
    config_ = std::move(config);
    for (auto it = archives_.begin(); it != archives_.end();) {
      if (keep.count(it->first) != 0) {
        ++it;
        continue;
      }
      closing.push_back(std::move(it->second));
      it = archives_.erase(it);
    }
  }
  for (const auto& a : closing) {
    util::log(util::LogLevel::kInfo,
              "closing archive tenant=" + a->tenant().str() + " (no longer in the configuration)");
  }
}

std::shared_ptr<const config::Config> Service::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

archive::TenantId Service::tenant_of(const std::string& configured) {
  if (configured.empty()) return archive::TenantId::no_tenant();
  auto id = archive::TenantId::parse(configured);
  if (!id) throw std::runtime_error("invalid tenant id '" + configured + "'");
  return *id;
}

std::shared_ptr<archive::TenantArchive> Service::archive(const archive::TenantId& tenant) {
  std::lock_guard lock(mu_);  // held while opening: the first message of a tenant waits once
  auto& slot = archives_[tenant];
  if (!slot) {
    try {
      slot = archive::Registry::instance().open(root_, tenant, archive_options(*config_));
    } catch (...) {
      archives_.erase(tenant);
      throw;
    }
  }
  return slot;
}

Service::Ticket Service::submit(const archive::TenantId& tenant, const TransportFacts& facts,
                                archive::MessageBytes bytes, const StoreOptions& opts) {
  Ticket t;
  t.started = Clock::now();
  t.report.tenant = tenant;
  t.report.source = facts.source;
  t.report.size = bytes.size();
  try {
    t.archive = archive(tenant);
    archive::Delivery d = make_delivery(facts, bytes);
    t.result = t.archive->submit(std::move(d), std::move(bytes), {opts.merge_retransmission});
  } catch (const std::exception& e) {
    t.report.outcome = util::Outcome::kArchiveFailed;
    t.report.detail = std::string("cannot open the archive: ") + e.what();
  }
  return t;
}

Report Service::wait(Ticket& t, const StoreOptions& opts) {
  Report& r = t.report;
  if (t.result.valid()) {
    auto deadline = t.started + opts.deadline;
    auto step = opts.progress ? opts.progress_interval : std::chrono::milliseconds(1000);
    bool timed_out = false;
    while (t.result.wait_for(step) != std::future_status::ready) {
      if (opts.deadline.count() > 0 && Clock::now() > deadline) {
        timed_out = true;
        break;
      }
      if (opts.progress) opts.progress();
    }
    if (timed_out) {
      r.outcome = util::Outcome::kCommitTimeout;
      r.detail = "commit-timeout";
    } else {
      archive::StoreResult s = t.result.get();
      r.outcome = s.outcome;
      r.detail = s.detail;
      r.seq = s.seq;
      r.content_existed = s.content_existed;
      r.retransmission = s.retransmission;
    }
  }
  r.ms = ms_since(t.started);
  auto& m = metrics::Registry::instance();
  if (r.ok()) {
    if (opts.record_state) record_stored(r.source, r.id(), r.size);
    if (on_stored_) on_stored_();
    if (!r.retransmission) {
      m.stored(r.tenant.str(), r.source, r.size, static_cast<double>(r.ms) / 1000.0);
    }
  } else {
    if (opts.record_state) record_failure(r.source, r.detail);
    m.tempfail(tempfail_class(r.outcome));
  }
  return r;
}

Report Service::store(const archive::TenantId& tenant, const TransportFacts& facts,
                      archive::MessageBytes bytes, const StoreOptions& opts) {
  Ticket t = submit(tenant, facts, std::move(bytes), opts);
  return wait(t, opts);
}

void Service::record_failure(const std::string& source, const std::string& reason) {
  if (source.empty()) return;
  try {
    state().record_failure(source, util::now_us(), reason);
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kWarning, "cannot record source state: " + std::string(e.what()));
  }
}

void Service::record_stored(const std::string& source, const std::string& id, std::uint64_t size) {
  if (source.empty()) return;
  try {
    state().record_message(source, util::now_us(), id, size);
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kWarning, "cannot record source state: " + std::string(e.what()));
  }
}

}  // namespace postjournal::ingest
