#include "archive/lmdb_env.hpp"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <type_traits>

#include "archive/maintenance.hpp"

namespace postjournal::archive {

namespace {
constexpr std::string_view kVersionKey = "version";
// Format 1: before storage v2. Format 2 adds version-2 blob rows and `pieces`; a format-1
// archive is written in format 2 from its first new blob on (store_write.cpp).
constexpr std::string_view kArchiveVersion = "2";

static_assert(std::is_same_v<MDB_dbi, Dbi>);

MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view to_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// The seam behind Environment::open_count / peak_count. Namespace-scope objects, constructed
// before main: they outlive every Environment, including one held by a function-local static.
struct LiveCount {
  std::size_t now = 0;
  std::size_t peak = 0;
};
std::mutex live_mu;
std::map<std::string, LiveCount> live_map;
std::map<std::string, LiveCount>& live() {
  return live_map;
}
void count_open(const std::string& dir) {
  std::lock_guard lock(live_mu);
  auto& c = live()[dir];
  c.peak = std::max(c.peak, ++c.now);
}
void count_close(const std::string& dir) {
  std::lock_guard lock(live_mu);
  --live()[dir].now;
}
}  // namespace

LmdbError::LmdbError(int code, const std::string& what)
    : std::runtime_error(what + ": " + mdb_strerror(code)), code_(code) {}

void check_lmdb(int rc, const char* what) {
  if (rc != 0) throw LmdbError(rc, what);
}

Txn::Txn(MDB_env* env, MDB_txn* parent, unsigned flags) {
  check_lmdb(mdb_txn_begin(env, parent, flags, &txn_), "mdb_txn_begin");
}

Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    abort();
    txn_ = o.txn_;
    o.txn_ = nullptr;
  }
  return *this;
}

void Txn::commit() {
  MDB_txn* t = txn_;
  txn_ = nullptr;  // LMDB frees the handle whether commit succeeds or not
  check_lmdb(mdb_txn_commit(t), "mdb_txn_commit");
}

void Txn::abort() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

std::optional<std::string_view> Txn::get(Dbi dbi, std::string_view key) const {
  MDB_val k = to_val(key);
  MDB_val v{};
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check_lmdb(rc, "mdb_get");
  return to_view(v);
}

void Txn::put(Dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  check_lmdb(mdb_put(txn_, dbi, &k, &v, flags), "mdb_put");
}

bool Txn::del(Dbi dbi, std::string_view key) {
  MDB_val k = to_val(key);
  int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  check_lmdb(rc, "mdb_del");
  return true;
}

Cursor::Cursor(const Txn& txn, Dbi dbi) {
  check_lmdb(mdb_cursor_open(txn.get(), dbi, &cur_), "mdb_cursor_open");
}

Cursor::~Cursor() {
  mdb_cursor_close(cur_);
}

bool Cursor::op(int o, std::string_view seek_key) {
  MDB_val k = to_val(seek_key);
  MDB_val v{};
  int rc = mdb_cursor_get(cur_, &k, &v, static_cast<MDB_cursor_op>(o));
  if (rc == MDB_NOTFOUND) return false;
  check_lmdb(rc, "mdb_cursor_get");
  key_ = to_view(k);
  value_ = to_view(v);
  return true;
}

bool Cursor::seek(std::string_view key) {
  return op(MDB_SET_RANGE, key);
}
bool Cursor::first() {
  return op(MDB_FIRST);
}
bool Cursor::last() {
  return op(MDB_LAST);
}
bool Cursor::next() {
  return op(MDB_NEXT);
}
bool Cursor::prev() {
  return op(MDB_PREV);
}

Environment::Environment(std::string dir, EnvOptions opts) : dir_(std::move(dir)), opts_(opts) {
  std::unique_lock lock(lock_);
  open_locked();
  count_open(dir_);
}

Environment::~Environment() {
  std::unique_lock lock(lock_);
  close_locked();
  count_close(dir_);
}

std::size_t Environment::open_count(const std::string& dir) {
  std::lock_guard lock(live_mu);
  auto it = live().find(dir);
  return it == live().end() ? 0 : it->second.now;
}

std::size_t Environment::peak_count(const std::string& dir) {
  std::lock_guard lock(live_mu);
  auto it = live().find(dir);
  return it == live().end() ? 0 : it->second.peak;
}

void Environment::write(const std::function<void(Txn&)>& fn) {
  bool reopened = false;
  for (;;) {
    try {
      auto w = begin_write();
      fn(w.txn);
      w.txn.commit();
      return;
    } catch (const LmdbError& e) {
      if (e.code() == MDB_MAP_FULL && grow(1ull << 20)) continue;
      if (e.code() != MDB_PANIC || reopened) throw;
    }
    reopen();
    reopened = true;
  }
}

void Environment::close_locked() {
  if (env_ == nullptr) return;
  // Unsynced state is flushed on a clean close; an archive's commits are already on disk.
  if (opts_.schema == EnvOptions::Schema::kKeyValue) mdb_env_sync(env_, 1);
  mdb_env_close(env_);
  env_ = nullptr;
}

void Environment::open_locked() {
  check_lmdb(mdb_env_create(&env_), "mdb_env_create");
  try {
    check_lmdb(mdb_env_set_maxdbs(env_, 32), "mdb_env_set_maxdbs");
    check_lmdb(mdb_env_set_mapsize(env_, std::min(opts_.initial_map_size, opts_.max_map_size)),
               "mdb_env_set_mapsize");
    bool kv = opts_.schema == EnvOptions::Schema::kKeyValue;
    unsigned flags = MDB_NOTLS | (kv ? MDB_NOSYNC | MDB_NOMETASYNC : 0u);
    check_lmdb(mdb_env_open(env_, dir_.c_str(), flags, 0640), "mdb_env_open");
    Txn txn(env_, nullptr, 0);
    if (kv) {
      check_lmdb(mdb_dbi_open(txn.get(), nullptr, 0, &dbs_.meta), "mdb_dbi_open");
      txn.commit();
      return;
    }
    auto open = [&txn](const char* name) {
      MDB_dbi dbi = 0;
      check_lmdb(mdb_dbi_open(txn.get(), name, MDB_CREATE, &dbi), "mdb_dbi_open");
      return dbi;
    };
    dbs_.meta = open("meta");
    dbs_.deliveries = open("deliveries");
    dbs_.chain = open("chain");
    dbs_.contents = open("contents");
    dbs_.blobs = open("blobs");
    dbs_.chunks = open("chunks");
    dbs_.by_time = open("by_time");
    dbs_.by_msgid = open("by_msgid");
    dbs_.by_addr = open("by_addr");
    dbs_.by_content = open("by_content");
    dbs_.fetched = open("fetched");
    dbs_.tombstones = open("tombstones");
    dbs_.audit = open("audit");
    dbs_.texts = open("texts");
    dbs_.text_refs = open("text_refs");
    dbs_.pieces = open("pieces");
    dbs_.stamps = open("stamps");
    dbs_.retention = open("retention");
    dbs_.expiry = open("expiry");
    dbs_.holds = open("holds");
    dbs_.held = open("held");
    dbs_.erasures = open("erasures");
    auto version = txn.get(dbs_.meta, kVersionKey);
    if (!version) {
      txn.put(dbs_.meta, kVersionKey, kArchiveVersion);
    } else if (*version != kArchiveVersion && *version != "1") {
      throw std::runtime_error("archive " + dir_ + " has format version " + std::string(*version) +
                               ", this program understands version " +
                               std::string(kArchiveVersion) + "; upgrade postjournal");
    }
    txn.commit();
    if (!announced_.valid()) announced_ = announce_open(dir_);
    struct stat st {};
    if (::stat((dir_ + "/data.mdb").c_str(), &st) == 0) inode_ = st.st_ino;
  } catch (...) {
    close_locked();
    throw;
  }
}

bool Environment::replaced() const {
  if (opts_.schema != EnvOptions::Schema::kArchive) return false;
  struct stat st {};
  return ::stat((dir_ + "/data.mdb").c_str(), &st) == 0 && st.st_ino != inode_;
}

int Environment::format_version() const {
  auto r = begin_read();
  auto v = r.txn.get(dbs_.meta, kVersionKey);
  return v && *v == "1" ? 1 : 2;
}

std::size_t Environment::page_size() const {
  std::shared_lock lock(lock_);
  MDB_stat st{};
  check_lmdb(mdb_env_stat(env_, &st), "mdb_env_stat");
  return st.ms_psize;
}

std::size_t Environment::inline_max(std::size_t key_size) const {
  // LMDB (mdb.c): a node goes to overflow pages when NODESIZE (8) + key + data exceeds
  // me_nodemax = (((psize - PAGEHDRSZ (16)) / MDB_MINKEYS (2)) & -2) - sizeof(indx_t) (2).
  std::size_t nodemax = (((page_size() - 16) / 2) & ~std::size_t{1}) - 2;
  return nodemax - 8 - key_size;
}

std::uint64_t Environment::last_txnid() const {
  std::shared_lock lock(lock_);
  MDB_envinfo info{};
  check_lmdb(mdb_env_info(env_, &info), "mdb_env_info");
  return info.me_last_txnid;
}

bool Environment::file_plausible(const std::string& dir) {
  std::string path = dir + "/data.mdb";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return true;
  util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return true;  // the opener will say why
  // MDB_meta after the 16-byte page header: magic u32, version u32, address, mapsize, two
  // 48-byte MDB_db (the first one's md_pad is the page size), last_pg, txnid (64-bit fields).
  auto meta_at = [&](std::uint64_t offset, std::uint64_t& last_pg, std::uint64_t& txnid,
                     std::uint32_t& psize) {
    unsigned char m[16 + 136];
    if (::pread(fd.get(), m, sizeof m, static_cast<off_t>(offset)) !=
        static_cast<ssize_t>(sizeof m))
      return false;
    auto u32 = [&](std::size_t at) {
      std::uint32_t v = 0;
      std::memcpy(&v, m + 16 + at, 4);
      return v;
    };
    auto u64 = [&](std::size_t at) {
      std::uint64_t v = 0;
      std::memcpy(&v, m + 16 + at, 8);
      return v;
    };
    if (u32(0) != 0xBEEFC0DEu || u32(4) != 1) return false;
    psize = u32(24);
    last_pg = u64(120);
    txnid = u64(128);
    return psize >= 512 && (psize & (psize - 1)) == 0;
  };
  std::uint64_t last0 = 0, txn0 = 0, last1 = 0, txn1 = 0;
  std::uint32_t ps0 = 0, ps1 = 0;
  bool m0 = meta_at(0, last0, txn0, ps0);
  bool m1 = m0 && meta_at(ps0, last1, txn1, ps1);
  if (!m0) return false;
  std::uint64_t last = m1 && txn1 > txn0 ? last1 : last0;
  return (last + 1) * ps0 <= static_cast<std::uint64_t>(st.st_size);
}

std::vector<std::pair<std::string, Dbi>> Environment::tables() const {
  return {{"meta", dbs_.meta},
          {"deliveries", dbs_.deliveries},
          {"chain", dbs_.chain},
          {"contents", dbs_.contents},
          {"blobs", dbs_.blobs},
          {"chunks", dbs_.chunks},
          {"pieces", dbs_.pieces},
          {"by_time", dbs_.by_time},
          {"by_msgid", dbs_.by_msgid},
          {"by_addr", dbs_.by_addr},
          {"by_content", dbs_.by_content},
          {"fetched", dbs_.fetched},
          {"tombstones", dbs_.tombstones},
          {"audit", dbs_.audit},
          {"texts", dbs_.texts},
          {"text_refs", dbs_.text_refs},
          {"stamps", dbs_.stamps},
          {"retention", dbs_.retention},
          {"expiry", dbs_.expiry},
          {"holds", dbs_.holds},
          {"held", dbs_.held},
          {"erasures", dbs_.erasures}};
}

std::vector<DbStats> Environment::db_stats() const {
  auto r = begin_read();
  std::vector<DbStats> out;
  auto add = [&](const char* name, MDB_dbi dbi) {
    MDB_stat st{};
    check_lmdb(mdb_stat(r.txn.get(), dbi, &st), "mdb_stat");
    out.push_back(
        {name, st.ms_entries, st.ms_branch_pages, st.ms_leaf_pages, st.ms_overflow_pages});
  };
  if (opts_.schema == EnvOptions::Schema::kKeyValue) {
    add("main", dbs_.meta);
    return out;
  }
  for (const auto& [name, dbi] : tables()) add(name.c_str(), dbi);
  MDB_stat main{};
  check_lmdb(mdb_stat(r.txn.get(), 0, &main), "mdb_stat");  // the database of names
  out.push_back({"(names)", main.ms_entries, main.ms_branch_pages, main.ms_leaf_pages,
                 main.ms_overflow_pages});
  return out;
}

void Environment::adopt_foreign_growth() {
  std::unique_lock lock(lock_);
  check_lmdb(mdb_env_set_mapsize(env_, 0), "mdb_env_set_mapsize");
}

Environment::ReadTxn Environment::begin(unsigned flags) const {
  auto* self = const_cast<Environment*>(this);
  std::shared_ptr<void> guard;
  bool archive = opts_.schema == EnvOptions::Schema::kArchive;
  if (archive && (flags & MDB_RDONLY) == 0) {
    guard = commit_guard(dir_);      // throws ArchiveBusy during maintenance
    if (replaced()) self->reopen();  // the writer holds no transaction when it begins one
  } else if (archive && replaced()) {
    std::unique_lock lock(lock_, std::try_to_lock);  // not while this process reads
    if (lock.owns_lock()) {
      self->close_locked();
      self->open_locked();
    }
  }
  for (;;) {
    std::shared_lock lock(lock_);
    try {
      return ReadTxn{guard, std::move(lock), Txn(env_, nullptr, flags)};
    } catch (const LmdbError& e) {
      if (e.code() != MDB_MAP_RESIZED) throw;
    }
    const_cast<Environment*>(this)->adopt_foreign_growth();
  }
}

Environment::ReadTxn Environment::begin_read() const {
  return begin(MDB_RDONLY);
}

Environment::ReadTxn Environment::begin_write() {
  return begin(0);
}

std::uint64_t Environment::map_size() const {
  std::shared_lock lock(lock_);
  MDB_envinfo info{};
  check_lmdb(mdb_env_info(env_, &info), "mdb_env_info");
  return info.me_mapsize;
}

bool Environment::grow(std::uint64_t extra_bytes) {
  std::unique_lock lock(lock_);
  MDB_envinfo info{};
  MDB_stat st{};
  check_lmdb(mdb_env_info(env_, &info), "mdb_env_info");
  check_lmdb(mdb_env_stat(env_, &st), "mdb_env_stat");
  std::uint64_t current = info.me_mapsize;
  if (current >= opts_.max_map_size) return false;
  std::uint64_t used = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
  std::uint64_t target = std::max(current * 2, used + extra_bytes * 2);
  constexpr std::uint64_t kStep = 1ull << 20;
  target = (target + kStep - 1) / kStep * kStep;
  target = std::min(target, opts_.max_map_size);
  check_lmdb(mdb_env_set_mapsize(env_, target), "mdb_env_set_mapsize");
  return true;
}

void Environment::drop_mapped_pages() {
  // LMDB does not expose its map's address (me_mapaddr is set only for MDB_FIXEDMAP): take any
  // value pointer, which points into the map, and find the mapping around it.
  std::shared_lock lock(lock_);
  const void* inside = nullptr;
  {
    Txn txn(env_, nullptr, MDB_RDONLY);
    MDB_cursor* c = nullptr;
    if (mdb_cursor_open(txn.get(), dbs_.meta, &c) == MDB_SUCCESS) {
      MDB_val k{}, v{};
      if (mdb_cursor_get(c, &k, &v, MDB_FIRST) == MDB_SUCCESS) inside = v.mv_data;
      mdb_cursor_close(c);
    }
  }
  if (!inside) return;
  auto at = reinterpret_cast<std::uintptr_t>(inside);
  std::FILE* maps = std::fopen("/proc/self/maps", "r");
  if (!maps) return;
  char line[512];
  while (std::fgets(line, sizeof line, maps)) {
    unsigned long long lo = 0, hi = 0;
    if (std::sscanf(line, "%llx-%llx", &lo, &hi) != 2) continue;
    if (at >= lo && at < hi) {
      // A read-only shared file mapping (no MDB_WRITEMAP): the pages leave this process's
      // resident set and stay in the page cache; the next access faults them back in.
      ::madvise(reinterpret_cast<void*>(static_cast<std::uintptr_t>(lo)),
                static_cast<std::size_t>(hi - lo), MADV_DONTNEED);
      break;
    }
  }
  std::fclose(maps);
}

void Environment::reserve(std::uint64_t extra_bytes) {
  MDB_envinfo info{};
  MDB_stat st{};
  {
    std::shared_lock lock(lock_);
    check_lmdb(mdb_env_info(env_, &info), "mdb_env_info");
    check_lmdb(mdb_env_stat(env_, &st), "mdb_env_stat");
  }
  std::uint64_t used = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
  // Overflow pages, branch pages and copy-on-write need headroom beyond the raw bytes.
  std::uint64_t needed = used + extra_bytes + extra_bytes / 4 + (4ull << 20);
  if (needed > info.me_mapsize) grow(needed - used);
}

void Environment::reopen() {
  std::unique_lock lock(lock_);
  close_locked();
  open_locked();
}

}  // namespace postjournal::archive
