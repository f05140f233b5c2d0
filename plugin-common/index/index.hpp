// The full-text index of one tenant: a Xapian database in <archive.root>/<tenant>/index/ that
// holds terms and the delivery's seq (as the Xapian document id), never a copy of the message;
// the LMDB archive stays the system of record and the index can always be rebuilt from it.
//
// Indexer: follows the archive's delivery sequence from a durable watermark stored in the same
// Xapian commit as the documents ("indexed up to N"), in batches by bytes; a document's id is its
// seq, so re-indexing after a crash replaces rather than duplicates. Deliveries removed from the
// archive (tombstones) are deleted from the index. One writer per index (Xapian's lock):
// IndexLocked when another process or thread holds it.
//
// Searcher: a read-only snapshot; queries in the language of query.hpp; exact counts.
//
// Errors: IndexLocked, IndexMissing, QueryError (below); std::runtime_error naming the index
// directory for anything Xapian reports. Thread-safety: one Indexer or Searcher per thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "archive/tenant_archive.hpp"
#include "extract/pool.hpp"
#include "index/message_text.hpp"

namespace postjournal::config {
struct Config;
}

namespace postjournal::index {

struct IndexLocked : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct IndexMissing : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct QueryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct IndexOptions {
  bool enabled = true;
  TextLimits text;
  extract::PoolOptions extract;
  std::uint64_t batch_bytes = 4ull << 20;
  std::size_t batch_count = 5000;
  unsigned threads = 2;
  std::string stem_language = "english";  // "none": no stemming
  std::uint64_t compact_min_docs = 1000;  // smaller indexes are never compacted
  // Compact after any run that deleted documents, whatever the size (erasure: the terms of
  // erased mail must not stay in free blocks).
  bool compact_after_removal = false;
};

IndexOptions index_options(const config::Config& c);

// <archive_root>/<tenant>/index
std::string index_dir(const std::string& archive_root, const archive::TenantId& tenant);

struct IndexState {
  bool exists = false;
  std::uint64_t watermark = 0;  // every delivery with seq <= watermark is indexed
  std::uint64_t documents = 0;
  std::uint64_t extract_failed = 0;  // messages with at least one part that failed extraction
  std::uint64_t truncated = 0;       // messages with text cut at a limit
  std::uint64_t rebuild_target = 0;  // non-zero while a rebuild (of a new or lost index) runs
  std::uint64_t removed_seen = 0;    // tombstones of the archive already applied to the index
};

// Reads the state without taking the write lock; exists=false when there is no index.
IndexState read_state(const std::string& dir);

struct Progress {
  std::uint64_t indexed = 0;
  std::uint64_t removed = 0;
  std::uint64_t extracted = 0;   // attachments sent to an extractor
  std::uint64_t cache_hits = 0;  // attachments whose text came from the archive's cache
  std::uint64_t watermark = 0;
  bool compacted = false;  // the index was rewritten compactly at the end of the run
};

class Indexer {
 public:
  // Opens (creating) the index for writing; throws IndexLocked when another writer holds it.
  Indexer(archive::TenantArchive& archive, const std::string& dir, const IndexOptions& o,
          extract::Pool& pool);
  ~Indexer();
  Indexer(const Indexer&) = delete;
  Indexer& operator=(const Indexer&) = delete;

  // Indexes what the archive holds beyond the watermark and deletes removed deliveries, commit
  // by commit, until caught up or `stop` is set (checked between batches). `on_commit` is called
  // after each commit (tests, progress output). Compacts the index when it has doubled since
  // its last compaction (and has at least compact_min_docs documents).
  Progress run(const std::atomic<bool>& stop,
               const std::function<void(const Progress&)>& on_commit = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Rebuilds the index from the archive alone: a new database in <dir>.new, then swapped in
// place of <dir>. Holds <dir>'s write lock throughout (IndexLocked when another writer has it).
Progress rebuild(archive::TenantArchive& archive, const std::string& dir, const IndexOptions& o,
                 extract::Pool& pool, const std::atomic<bool>& stop,
                 const std::function<void(const Progress&)>& on_commit = {});

enum class Sort { kDate, kRelevance };

struct Hits {
  std::uint64_t total = 0;          // exact number of matching deliveries
  std::vector<std::uint64_t> seqs;  // the requested page
  std::vector<double> keys;         // per seq: its Date (seconds) or its relevance weight, the
                                    // order of the page (to merge the pages of several tenants)
};

class Searcher {
 public:
  // IndexMissing when there is no index. `archive` (the tenant's) checks phrases in attachment
  // text (att:"..."); without it those are a QueryError.
  explicit Searcher(const std::string& dir, const archive::TenantArchive* archive = nullptr);
  ~Searcher();
  Searcher(const Searcher&) = delete;
  Searcher& operator=(const Searcher&) = delete;

  std::uint64_t count(const std::string& query);
  // Newest Date first (kDate) or best match first; limit 0 = all.
  Hits search(const std::string& query, std::uint64_t offset, std::uint64_t limit, Sort sort);
  // Every match in ascending seq order, fetched page by page (memory bounded by the page).
  void for_each(const std::string& query, const std::function<void(std::uint64_t)>& fn);
  std::uint64_t watermark() const;
  // The parsed query in Xapian's notation (search --explain).
  std::string explain(const std::string& query);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The document id of every indexed delivery, ascending.
std::vector<std::uint64_t> indexed_seqs(const std::string& dir);

// `postjournal verify`: every live delivery up to the watermark is in the index, and nothing
// else is (a removed delivery that is still indexed is reported as stale).
struct Coverage {
  bool exists = false;
  std::uint64_t watermark = 0;
  std::uint64_t covered = 0;           // deliveries up to the watermark found in the index
  std::vector<std::uint64_t> missing;  // deliveries up to the watermark not in the index
  std::vector<std::uint64_t> stale;    // indexed seqs that are no delivery (removed)
  bool ok() const { return missing.empty() && stale.empty(); }
};
Coverage check_coverage(const archive::TenantArchive& a, const std::string& dir);

}  // namespace postjournal::index
