// One tenant's archive (or the No Tenant queue): the LMDB environment in <root>/<tenant>/ and its
// group-commit writer. Obtain instances from the Registry, which guarantees one per directory per
// process. store() blocks until the delivery is durably committed (or failed); reads run in their
// own read transaction and see a consistent snapshot. Stored bytes are encoded as
// ArchiveOptions::storage says (storage.hpp); reading needs the tenant's key file only for
// encrypted bytes. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archive/audit.hpp"
#include "archive/delivery.hpp"
#include "archive/message_bytes.hpp"
#include "archive/query.hpp"
#include "archive/stamps.hpp"
#include "archive/verify.hpp"
#include "archive/writer.hpp"

namespace postjournal::archive {

struct ArchiveOptions {
  EnvOptions env;
  WriterOptions writer;
  StorageOptions storage;
};

class TenantArchive {
 public:
  // Creates <root>/<tenant>/ when missing. Throws on any failure to open.
  TenantArchive(const std::string& root, TenantId tenant, const ArchiveOptions& opts);
  ~TenantArchive();

  const TenantId& tenant() const { return tenant_; }
  const Storage& storage() const { return storage_; }
  // <archive.root>/<tenant>: for the lock files of jobs that follow the archive.
  const std::string& dir() const { return env_->dir(); }
  // Whether the archive holds encrypted mail (meta), and its format version (1 or 2).
  bool encrypted() const;
  int format_version() const { return env_->format_version(); }
  std::vector<DbStats> db_stats() const { return env_->db_stats(); }

  std::future<StoreResult> submit(Delivery d, MessageBytes bytes, SubmitOptions opts = {});
  StoreResult store(Delivery d, MessageBytes bytes, SubmitOptions opts = {}) {
    return submit(std::move(d), std::move(bytes), opts).get();
  }
  WriterStats writer_stats() const { return writer_->stats(); }

  std::optional<Delivery> get(std::uint64_t seq) const;
  std::uint64_t count() const;
  // The delivery that a fetched message with this mailbox, server and Delivery::fetch_uid became;
  // written in the same transaction as the delivery, so "present" means "durably archived".
  std::optional<std::uint64_t> fetched(std::string_view mailbox, std::string_view server,
                                       std::string_view uid) const;
  std::vector<Delivery> list(const TimeRange& range, std::size_t limit) const;
  std::vector<Delivery> search(const SearchQuery& q) const;
  // Deliveries with seq > after, in seq order, until max_count of them or until their sizes add
  // up to max_bytes (at least one is returned when any exists). For the full-text indexer.
  std::vector<Delivery> after(std::uint64_t after, std::size_t max_count,
                              std::uint64_t max_bytes) const;
  // Up to `count` deliveries received in `range`, oldest first, after the position `after`
  // (receipt time and seq of the last one of the previous page; nullopt: from the start).
  std::vector<Delivery> oldest_first(const TimeRange& range,
                                     std::optional<std::pair<util::TimeUs, std::uint64_t>> after,
                                     std::size_t count) const;
  // How many deliveries have seq > after (the index's lag).
  std::uint64_t count_after(std::uint64_t after) const;
  // The highest seq ever assigned (removed deliveries included); 0 for an empty archive.
  std::uint64_t last_seq() const;
  // The seqs of removed deliveries (their tombstones), ascending.
  std::vector<std::uint64_t> removed() const;
  // The indexer's attachment-text cache (text_cache.hpp).
  std::optional<std::string> cached_text(const util::Digest& attachment) const;
  void cache_texts(const util::Digest& content,
                   const std::vector<std::pair<util::Digest, std::string>>& texts);
  // Streams [offset, offset+length) of the stored bytes; false when the content is unknown.
  // Throws StoredBytesError / KeyError (storage.hpp) when they cannot be decoded.
  bool read(const util::Digest& sha, std::uint64_t offset, std::uint64_t length,
            const std::function<void(std::string_view)>& sink) const;
  VerifyReport verify() const;
  // Removes delivery `seq` with a tombstone and an audit entry, durably (removal.hpp): returns
  // the removed delivery; `entry` gets its seq, delivery id and content hash. Throws
  // std::runtime_error (no such delivery, already removed) or LmdbError. Meant for the CLI: it
  // runs its own LMDB write transaction beside the writer thread's (LMDB serialises the two).
  Delivery remove(std::uint64_t seq, AuditEntry& entry);
  std::vector<AuditEntry> audit() const;
  VerifyReport verify_audit() const;  // the audit chain and tombstones only (fast)
  // RFC 3161 stamps (stamps.hpp): both chain heads now, the stamps in order, a new stamp
  // appended durably (its seq is set; LmdbError on failure), a delivery's chain proof.
  Heads heads() const;
  std::vector<StampRecord> stamps() const;
  std::optional<StampRecord> last_stamp() const;  // reads one record, not all
  std::optional<AuditEntry> audit_entry(std::uint64_t seq) const;
  void add_stamp(StampRecord& s);
  std::optional<ChainProof> chain_proof(std::uint64_t seq, std::uint64_t to) const;
  // The stored link of audit entry `seq` (stamps.hpp).
  std::optional<util::Digest> audit_link_at(std::uint64_t seq) const;
  std::optional<util::Digest> link_at(std::uint64_t seq) const;
  std::uint64_t map_size() const { return env_->map_size(); }
  // One read snapshot, or one durable write transaction (committed when fn returns, nothing
  // when it throws), for the retention module's tables (retention_store.hpp) and removals with
  // them. Writes take the maintenance lock like every commit (ArchiveBusy).
  void in_read(const std::function<void(const Txn&, const Databases&)>& fn) const;
  void in_write(const std::function<void(Txn&, const Databases&)>& fn);
  // See Environment::drop_mapped_pages (the indexer calls it after each batch).
  void drop_mapped_pages() const { env_->drop_mapped_pages(); }

 private:
  TenantId tenant_;
  Storage storage_;
  std::unique_ptr<Environment> env_;
  std::unique_ptr<Writer> writer_;
};

}  // namespace postjournal::archive
