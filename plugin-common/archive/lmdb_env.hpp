// The one place that talks to LMDB: RAII for environments, transactions and cursors, the named
// databases of a tenant archive, map growth and recovery from a panicked environment. Used by the
// tenant archives and by the source state (state/), so LMDB is wrapped exactly once. This header
// does not include <lmdb.h>: only archive/*.cpp do.
//
// Threads: one Environment per directory per process (the Registry enforces it for archives, the
// ingest Service for the state store; open_count() is the seam that tests count with). Read
// transactions may be opened from any thread (MDB_NOTLS); each holds a shared lock so that map
// growth and reopen (which LMDB allows only with no transaction open in the process) can take
// the lock exclusively. Write transactions are opened by the archive's single writer thread.
// Errors: every failing LMDB call throws LmdbError with LMDB's code and the operation's name.
//
// Archives (Schema::kArchive) follow the maintenance protocol (maintenance.hpp): each write
// transaction holds the tenant's maintenance lock shared until it ends (ArchiveBusy while
// maintenance holds it), and an environment whose data.mdb was replaced (by `migrate`) is
// reopened before the next write, and before the next read when no transaction of this process
// is open.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "util/file.hpp"

struct MDB_env;
struct MDB_txn;
struct MDB_cursor;

namespace postjournal::archive {

using Dbi = unsigned int;  // MDB_dbi (checked in lmdb_env.cpp)

class LmdbError : public std::runtime_error {
 public:
  LmdbError(int code, const std::string& what);
  int code() const { return code_; }

 private:
  int code_;
};

// Throws LmdbError when rc != 0.
void check_lmdb(int rc, const char* what);

class Txn {
 public:
  Txn() = default;
  Txn(MDB_env* env, MDB_txn* parent, unsigned flags);
  ~Txn() { abort(); }
  Txn(Txn&& o) noexcept : txn_(o.txn_) { o.txn_ = nullptr; }
  Txn& operator=(Txn&& o) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  MDB_txn* get() const { return txn_; }
  void commit();  // the handle is gone afterwards, also when commit fails
  void abort();

  std::optional<std::string_view> get(Dbi dbi, std::string_view key) const;
  void put(Dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  bool del(Dbi dbi, std::string_view key);

 private:
  MDB_txn* txn_ = nullptr;
};

class Cursor {
 public:
  Cursor(const Txn& txn, Dbi dbi);
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // Positioning; each returns false at the end. key()/value() are valid after a true return.
  bool seek(std::string_view key);  // first key >= key
  bool first();
  bool last();
  bool next();
  bool prev();
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }

 private:
  bool op(int o, std::string_view seek_key = {});
  MDB_cursor* cur_ = nullptr;
  std::string_view key_, value_;
};

struct Databases {
  Dbi meta = 0;        // "version", "head", "audit-head" (seq + chain link)
  Dbi deliveries = 0;  // seq(be64) -> encoded record
  Dbi chain = 0;       // seq(be64) -> link (32 bytes)
  Dbi contents = 0;    // content sha256 -> content header (its segments)
  Dbi blobs = 0;       // blob sha256 -> blob header
  Dbi chunks = 0;      // blob sha256 + index(be32) -> bytes
  Dbi by_time = 0;     // time(be64) + seq -> ""
  Dbi by_msgid = 0;    // message-id NUL seq -> ""
  Dbi by_addr = 0;     // address NUL seq -> ""
  Dbi fetched = 0;     // keys::fetched(mailbox, server, uid) -> seq(be64)
  Dbi by_content = 0;  // content or original sha256 + seq -> ""
  Dbi tombstones = 0;  // seq(be64) -> tombstone of a removed delivery (audit.hpp)
  Dbi audit = 0;       // audit seq(be64) -> link (32 bytes) + encoded audit entry
  // The full-text indexer's cache of text extracted from attachments (text_cache.hpp):
  Dbi texts = 0;      // attachment sha256 -> opaque value written by the indexer
  Dbi text_refs = 0;  // 'c' content sha + attachment sha, 'a' attachment sha + content sha -> ""
  // Storage v2 (storage.hpp): the stored chunks of version-2 blobs.
  Dbi pieces = 0;  // keys::piece(blob id, chunk, piece) -> bytes
  // RFC 3161 stamps of the chains (stamps.hpp).
  Dbi stamps = 0;  // stamp seq(be64) -> encoded StampRecord
  // Retention, legal holds and erasure requests (retention_store.hpp).
  Dbi retention = 0;
  Dbi expiry = 0;
  Dbi holds = 0;
  Dbi held = 0;
  Dbi erasures = 0;
};

// Page use of one database (mdb_stat -a): for the layout benchmark and `postjournal status`.
struct DbStats {
  std::string name;
  std::uint64_t entries = 0;
  std::uint64_t branch_pages = 0, leaf_pages = 0, overflow_pages = 0;
};

struct EnvOptions {
  std::uint64_t initial_map_size = 64ull << 20;
  std::uint64_t max_map_size = 1ull << 40;
  // kArchive: the named databases above, format-versioned, every commit fully synced (the archive
  // is evidence). kKeyValue: one unnamed database (dbs().meta), commits not synced (MDB_NOSYNC):
  // for operational state that may lose its last seconds in a crash.
  enum class Schema { kArchive, kKeyValue } schema = Schema::kArchive;
};

class Environment {
 public:
  // Opens (creating if needed) the environment in `dir`, which must exist. Throws LmdbError, or
  // std::runtime_error when the archive's format version is newer than this program.
  Environment(std::string dir, EnvOptions opts);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  const Databases& dbs() const { return dbs_; }
  const std::string& dir() const { return dir_; }

  struct ReadTxn {
    std::shared_ptr<void> guard;  // the maintenance lock, shared (write transactions only)
    std::shared_lock<std::shared_mutex> lock;
    Txn txn;
  };
  ReadTxn begin_read() const;
  // The writer thread's transaction. Also holds the shared lock.
  ReadTxn begin_write();

  // Grows the map so that at least `extra_bytes` more fit, doubling, capped at max_map_size.
  // Returns false when the cap is already reached. Takes the exclusive lock.
  bool grow(std::uint64_t extra_bytes);
  // Grows the map ahead of a write of about `extra_bytes` when it would not fit.
  void reserve(std::uint64_t extra_bytes);
  // Closes and reopens the environment (after MDB_PANIC). Takes the exclusive lock.
  void reopen();
  std::uint64_t map_size() const;
  // The format version in meta (1: before storage v2; 2).
  int format_version() const;
  std::size_t page_size() const;
  // The largest value that LMDB keeps in a leaf page under a key of key_size bytes.
  std::size_t inline_max(std::size_t key_size) const;
  std::uint64_t last_txnid() const;  // changes with every commit that changed something
  std::vector<DbStats> db_stats() const;
  // Every named database of an archive with its name (the list `migrate` copies and db_stats
  // reports). A database added to Databases must be added there.
  std::vector<std::pair<std::string, Dbi>> tables() const;
  // Drops the map's pages from this process's resident set (they stay in the page cache): a
  // sequential reader of the whole archive (the indexer) would otherwise count every page of it.
  void drop_mapped_pages();
  // Runs `fn` in a write transaction and commits it; on a full map grows it and runs `fn` again,
  // on MDB_PANIC reopens once and runs it again. For small writes (state, removals): the
  // archive's group-commit writer has its own loop. Throws LmdbError when it still fails.
  void write(const std::function<void(Txn&)>& fn);

  // Whether <dir>/data.mdb can be mapped without reading past its end: its newest meta page
  // (LMDB's on-disk format: magic 0xBEEFC0DE, version 1) must claim no page beyond the file.
  // A file a power cut cut short would otherwise crash the opener with SIGBUS on first read
  // (an environment written without syncs, like the source state, can be left that way).
  // False also when there is no valid meta page; true when data.mdb does not exist.
  static bool file_plausible(const std::string& dir);

  // How many Environments of `dir` are open in this process now, and the most ever open at
  // once (tests prove LMDB's one-environment-per-directory rule with it).
  static std::size_t open_count(const std::string& dir);
  static std::size_t peak_count(const std::string& dir);

 private:
  ReadTxn begin(unsigned flags) const;
  void open_locked();
  void close_locked();
  void adopt_foreign_growth();

  bool replaced() const;  // data.mdb is not the file this environment opened

  std::string dir_;
  EnvOptions opts_;
  util::UniqueFd announced_;
  unsigned long inode_ = 0;
  mutable std::shared_mutex lock_;
  MDB_env* env_ = nullptr;
  Databases dbs_;
};

}  // namespace postjournal::archive
