#include "archive/tenant_archive.hpp"

#include <algorithm>

#include "archive/keys.hpp"
#include "archive/removal.hpp"
#include "archive/store_write.hpp"
#include "archive/text_cache.hpp"
#include "util/file.hpp"

namespace postjournal::archive {

TenantArchive::TenantArchive(const std::string& root, TenantId tenant, const ArchiveOptions& opts)
    : tenant_(std::move(tenant)), storage_(tenant_, opts.storage) {
  std::string dir = root + "/" + tenant_.str();
  util::make_dirs(dir);
  env_ = std::make_unique<Environment>(dir, opts.env);
  util::fsync_dir(dir);
  writer_ = std::make_unique<Writer>(*env_, storage_, opts.writer);
}

bool TenantArchive::encrypted() const {
  auto r = env_->begin_read();
  return archive_encrypted(r.txn, env_->dbs());
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

std::vector<Delivery> TenantArchive::after(std::uint64_t after, std::size_t max_count,
                                           std::uint64_t max_bytes) const {
  auto r = env_->begin_read();
  std::vector<Delivery> out;
  std::uint64_t bytes = 0;
  Cursor c(r.txn, env_->dbs().deliveries);
  for (bool ok = c.seek(keys::seq(after + 1)); ok; ok = c.next()) {
    if (out.size() >= max_count || (!out.empty() && bytes >= max_bytes)) break;
    auto d = load_delivery(r.txn, env_->dbs(), tenant_, keys::seq_of_suffix(c.key()));
    if (!d) continue;
    bytes += d->size;
    out.push_back(std::move(*d));
  }
  return out;
}

std::vector<Delivery> TenantArchive::oldest_first(
    const TimeRange& range, std::optional<std::pair<util::TimeUs, std::uint64_t>> after,
    std::size_t count) const {
  auto r = env_->begin_read();
  std::vector<Delivery> out;
  Cursor c(r.txn, env_->dbs().by_time);
  std::string start =
      after ? keys::time(after->first, after->second + 1) : keys::time(range.since.value_or(0), 0);
  for (bool ok = c.seek(start); ok && out.size() < count; ok = c.next()) {
    auto d = load_delivery(r.txn, env_->dbs(), tenant_, keys::seq_of_suffix(c.key()));
    if (!d) continue;
    if (range.until && d->transport.received >= *range.until) break;
    if (!range.contains(d->transport.received)) continue;
    out.push_back(std::move(*d));
  }
  return out;
}

std::uint64_t TenantArchive::count_after(std::uint64_t after) const {
  auto r = env_->begin_read();
  std::uint64_t n = 0;
  Cursor c(r.txn, env_->dbs().deliveries);
  for (bool ok = c.seek(keys::seq(after + 1)); ok; ok = c.next()) ++n;
  return n;
}

std::uint64_t TenantArchive::last_seq() const {
  auto r = env_->begin_read();
  std::uint64_t last = 0;
  for (Dbi dbi : {env_->dbs().deliveries, env_->dbs().tombstones}) {
    Cursor c(r.txn, dbi);
    if (c.last()) last = std::max(last, keys::seq_of_suffix(c.key()));
  }
  return last;
}

std::vector<std::uint64_t> TenantArchive::removed() const {
  auto r = env_->begin_read();
  std::vector<std::uint64_t> out;
  Cursor c(r.txn, env_->dbs().tombstones);
  for (bool ok = c.first(); ok; ok = c.next()) out.push_back(keys::seq_of_suffix(c.key()));
  return out;
}

std::optional<std::string> TenantArchive::cached_text(const util::Digest& attachment) const {
  std::optional<std::string> stored;
  {
    auto r = env_->begin_read();
    stored = archive::cached_text(r.txn, env_->dbs(), attachment);
  }
  if (!stored) return std::nullopt;
  return storage_.open_text(attachment, *stored);
}

void TenantArchive::cache_texts(const util::Digest& content,
                                const std::vector<std::pair<util::Digest, std::string>>& texts) {
  if (texts.empty()) return;
  std::uint64_t bytes = 0;
  std::vector<std::pair<util::Digest, std::string>> sealed;
  for (const auto& t : texts) {
    bytes += t.second.size() + 200;
    sealed.emplace_back(t.first, storage_.seal_text(t.first, t.second));
  }
  env_->reserve(bytes);
  env_->write([&](Txn& txn) {
    note_storage(txn, env_->dbs(), storage_);
    put_cached_texts(txn, env_->dbs(), content, sealed);
  });
}

bool TenantArchive::read(const util::Digest& sha, std::uint64_t offset, std::uint64_t length,
                         const std::function<void(std::string_view)>& sink) const {
  auto r = env_->begin_read();
  return read_content(r.txn, env_->dbs(), storage_, sha, offset, length, sink);
}

VerifyReport TenantArchive::verify() const {
  auto r = env_->begin_read();
  return verify_archive(r.txn, env_->dbs(), storage_);
}

Delivery TenantArchive::remove(std::uint64_t seq, AuditEntry& entry) {
  Delivery d;
  env_->write([&](Txn& txn) { d = remove_delivery(txn, env_->dbs(), tenant_, seq, entry); });
  return d;
}

void TenantArchive::in_read(const std::function<void(const Txn&, const Databases&)>& fn) const {
  auto r = env_->begin_read();
  fn(r.txn, env_->dbs());
}

void TenantArchive::in_write(const std::function<void(Txn&, const Databases&)>& fn) {
  env_->write([&](Txn& txn) { fn(txn, env_->dbs()); });
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

Heads TenantArchive::heads() const {
  auto r = env_->begin_read();
  return read_heads(r.txn, env_->dbs());
}

std::vector<StampRecord> TenantArchive::stamps() const {
  auto r = env_->begin_read();
  return read_stamps(r.txn, env_->dbs());
}

std::optional<StampRecord> TenantArchive::last_stamp() const {
  auto r = env_->begin_read();
  return archive::last_stamp(r.txn, env_->dbs());
}

std::optional<AuditEntry> TenantArchive::audit_entry(std::uint64_t seq) const {
  auto r = env_->begin_read();
  return load_audit(r.txn, env_->dbs(), seq);
}

void TenantArchive::add_stamp(StampRecord& s) {
  env_->reserve(s.token.size() + 4096);
  env_->write([&](Txn& txn) { append_stamp(txn, env_->dbs(), s); });
}

std::optional<ChainProof> TenantArchive::chain_proof(std::uint64_t seq, std::uint64_t to) const {
  auto r = env_->begin_read();
  return archive::chain_proof(r.txn, env_->dbs(), tenant_, seq, to);
}

std::optional<util::Digest> TenantArchive::audit_link_at(std::uint64_t seq) const {
  auto r = env_->begin_read();
  return stored_audit_link(r.txn, env_->dbs(), seq);
}

std::optional<util::Digest> TenantArchive::link_at(std::uint64_t seq) const {
  auto r = env_->begin_read();
  return stored_link(r.txn, env_->dbs(), seq);
}

}  // namespace postjournal::archive
