#include "archive/tenant_archive.hpp"

#include "archive/keys.hpp"
#include "archive/removal.hpp"
#include "util/file.hpp"

namespace postjournal::archive {

TenantArchive::TenantArchive(const std::string& root, TenantId tenant, const ArchiveOptions& opts)
    : tenant_(std::move(tenant)) {
  std::string dir = root + "/" + tenant_.str();
  util::make_dirs(dir);
  env_ = std::make_unique<Environment>(dir, opts.env);
  util::fsync_dir(dir);
  writer_ = std::make_unique<Writer>(*env_, opts.writer);
}

TenantArchive::~TenantArchive() {
  writer_.reset();  // drain before the environment closes
}

std::future<StoreResult> TenantArchive::submit(Delivery d, MessageBytes bytes, SubmitOptions opts) {
  return writer_->submit(std::move(d), std::move(bytes), opts);
}

std::optional<Delivery> TenantArchive::get(std::uint64_t seq) const {
  auto r = env_->begin_read();
  return load_delivery(r.txn, env_->dbs(), tenant_, seq);
}

std::uint64_t TenantArchive::count() const {
  auto r = env_->begin_read();
  return count_deliveries(r.txn, env_->dbs());
}

std::optional<std::uint64_t> TenantArchive::fetched(std::string_view mailbox,
                                                    std::string_view server,
                                                    std::string_view uid) const {
  auto r = env_->begin_read();
  auto v = r.txn.get(env_->dbs().fetched, keys::fetched(mailbox, server, uid));
  if (!v || v->size() != 8) return std::nullopt;
  return keys::seq_of_suffix(*v);
}

std::vector<Delivery> TenantArchive::list(const TimeRange& range, std::size_t limit) const {
  auto r = env_->begin_read();
  return list_deliveries(r.txn, env_->dbs(), tenant_, range, limit);
}

std::vector<Delivery> TenantArchive::search(const SearchQuery& q) const {
  auto r = env_->begin_read();
  return search_deliveries(r.txn, env_->dbs(), tenant_, q);
}

bool TenantArchive::read(const util::Digest& sha, std::uint64_t offset, std::uint64_t length,
                         const std::function<void(std::string_view)>& sink) const {
  auto r = env_->begin_read();
  return read_content(r.txn, env_->dbs(), sha, offset, length, sink);
}

VerifyReport TenantArchive::verify() const {
  auto r = env_->begin_read();
  return verify_archive(r.txn, env_->dbs(), tenant_);
}

Delivery TenantArchive::remove(std::uint64_t seq, AuditEntry& entry) {
  Delivery d;
  env_->write([&](Txn& txn) { d = remove_delivery(txn, env_->dbs(), tenant_, seq, entry); });
  return d;
}

VerifyReport TenantArchive::verify_audit() const {
  auto r = env_->begin_read();
  VerifyReport report;
  archive::verify_audit(r.txn, env_->dbs(), report);
  return report;
}

std::vector<AuditEntry> TenantArchive::audit() const {
  auto r = env_->begin_read();
  return read_audit(r.txn, env_->dbs());
}

}  // namespace postjournal::archive
