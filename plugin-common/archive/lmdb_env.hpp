// The one place that talks to LMDB: RAII for environments, transactions and cursors, the named
// databases of a tenant archive, map growth and recovery from a panicked environment.
//
// Threads: one Environment per directory per process (the Registry enforces it). Read
// transactions may be opened from any thread (MDB_NOTLS); each holds a shared lock so that map
// growth and reopen (which LMDB allows only with no transaction open in the process) can take
// the lock exclusively. Write transactions are opened by the archive's single writer thread.
// Errors: every failing LMDB call throws LmdbError with LMDB's code and the operation's name.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>

namespace postjournal::archive {

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

  std::optional<std::string_view> get(MDB_dbi dbi, std::string_view key) const;
  void put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  bool del(MDB_dbi dbi, std::string_view key);

 private:
  MDB_txn* txn_ = nullptr;
};

class Cursor {
 public:
  Cursor(const Txn& txn, MDB_dbi dbi);
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // Positioning; each returns false at the end. key()/value() are valid after a true return.
  bool seek(std::string_view key);  // first key >= key
  bool first();
  bool last();
  bool next();
  bool prev();
  std::string_view key() const { return {static_cast<const char*>(k_.mv_data), k_.mv_size}; }
  std::string_view value() const { return {static_cast<const char*>(v_.mv_data), v_.mv_size}; }

 private:
  bool op(MDB_cursor_op o);
  MDB_cursor* cur_ = nullptr;
  MDB_val k_{}, v_{};
};

struct Databases {
  MDB_dbi meta = 0;        // "version", "head", "audit-head" (seq + chain link)
  MDB_dbi deliveries = 0;  // seq(be64) -> encoded record
  MDB_dbi chain = 0;       // seq(be64) -> link (32 bytes)
  MDB_dbi contents = 0;    // content sha256 -> content header (its segments)
  MDB_dbi blobs = 0;       // blob sha256 -> blob header
  MDB_dbi chunks = 0;      // blob sha256 + index(be32) -> bytes
  MDB_dbi by_time = 0;     // time(be64) + seq -> ""
  MDB_dbi by_msgid = 0;    // message-id NUL seq -> ""
  MDB_dbi by_addr = 0;     // address NUL seq -> ""
  MDB_dbi fetched = 0;     // keys::fetched(mailbox, server, uid) -> seq(be64)
  MDB_dbi by_content = 0;  // content or original sha256 + seq -> ""
  MDB_dbi tombstones = 0;  // seq(be64) -> tombstone of a removed delivery (audit.hpp)
  MDB_dbi audit = 0;       // audit seq(be64) -> link (32 bytes) + encoded audit entry
};

struct EnvOptions {
  std::uint64_t initial_map_size = 64ull << 20;
  std::uint64_t max_map_size = 1ull << 40;
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

 private:
  ReadTxn begin(unsigned flags) const;
  void open_locked();
  void close_locked();
  void adopt_foreign_growth();

  std::string dir_;
  EnvOptions opts_;
  mutable std::shared_mutex lock_;
  MDB_env* env_ = nullptr;
  Databases dbs_;
};

}  // namespace postjournal::archive
