#include "archive/maintain.hpp"

#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "archive/content_layout.hpp"
#include "archive/delivery.hpp"
#include "archive/keys.hpp"
#include "archive/lmdb_env.hpp"
#include "archive/maintenance.hpp"
#include "archive/query.hpp"
#include "archive/record_codec.hpp"
#include "archive/registry.hpp"
#include "archive/store_write.hpp"
#include "util/bytes.hpp"
#include "util/file.hpp"

namespace postjournal::archive {

namespace {

constexpr auto kLockWait = std::chrono::seconds(30);
constexpr std::size_t kBatchEntries = 4096;
constexpr std::uint64_t kBatchBytes = 16ull << 20;
constexpr std::string_view kMigrateSource = "migrate-source";  // meta of the copy: be64 txnid
constexpr std::string_view kMigrateDone = "migrate-done:";     // + table name: "" when copied
constexpr std::string_view kMigrateAfter = "migrate-after:";   // + table name: last key copied

std::string dir_of(const std::string& root, const TenantId& t) {
  return root + "/" + t.str();
}

void refuse_foreign(const std::string& dir) {
  auto others = foreign_openers(dir);
  if (others.empty()) return;
  std::string who;
  for (const auto& o : others) {
    who += (who.empty() ? "" : ", ") + o.command + " (pid " + std::to_string(o.pid) + ")";
  }
  throw ArchiveBusy(dir + " is open in " + who +
                    ", which does not honour the maintenance lock: stop it and try again");
}

util::Digest digest_of(std::string_view key) {
  util::Digest d{};
  if (key.size() >= d.size()) std::copy(key.begin(), key.begin() + 32, d.begin());
  return d;
}

std::string after_key(std::string_view key) {
  std::string k(key);
  k.push_back('\0');  // the first key sorting after `key`
  return k;
}

// Deliveries using each blob, from the records and content headers.
std::map<util::Digest, std::uint64_t> live_counts(const Txn& txn, const Databases& dbs) {
  std::map<util::Digest, std::uint64_t> users;
  {
    Cursor c(txn, dbs.deliveries);
    for (bool ok = c.first(); ok; ok = c.next()) {
      Delivery d;
      if (decode_delivery(c.value(), d).empty()) users[d.content_sha256]++;
    }
  }
  return blob_users(txn, dbs, users);
}

void give_to(const std::string& path, const struct stat& owner) {
  if (::chown(path.c_str(), owner.st_uid, owner.st_gid) != 0 && errno != ENOENT) {
    throw std::system_error(errno, std::generic_category(), "chown " + path);
  }
}

std::uint64_t pages_in_use(const Environment& env) {
  std::uint64_t n = 0;
  for (const auto& s : env.db_stats()) n += s.branch_pages + s.leaf_pages + s.overflow_pages;
  return n;
}

}  // namespace

std::string init_key(const std::string& root, const TenantId& t, const StorageOptions& opts,
                     long uid, long gid) {
  std::string path = key_path(opts.key_dir, t);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    throw KeyError("tenant " + t.str() + ": key file " + path +
                   " exists; refusing to overwrite a key (postjournal key rotate makes a new one)");
  }
  if (archive_exists(root, t)) {
    Environment env(dir_of(root, t), {});
    auto r = env.begin_read();
    if (archive_encrypted(r.txn, env.dbs())) {
      throw KeyError("tenant " + t.str() + ": the archive is encrypted with a key that is not in " +
                     path + "; restore that file from its backup (a new key cannot read it)");
    }
  }
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  if (::stat(dir.c_str(), &st) != 0) {
    util::make_dirs(dir);
    ::chmod(dir.c_str(), 0700);
    if (uid >= 0 && ::chown(dir.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0) {
      throw std::system_error(errno, std::generic_category(), "chown " + dir);
    }
  }
  KeyFile f;
  f.tenant = t.str();
  f.keks.push_back({1, util::random_key()});
  write_key_file(path, f, uid, gid);
  return path;
}

RotateReport rotate_key(const std::string& root, const TenantId& t, const StorageOptions& opts,
                        const Progress& progress) {
  std::string dir = dir_of(root, t);
  std::string path = key_path(opts.key_dir, t);
  RotateReport rep;
  bool has_archive = archive_exists(root, t);
  std::optional<MaintenanceLock> lock;
  if (has_archive) {
    lock.emplace(dir, "key rotate", kLockWait);
    refuse_foreign(dir);
  }
  KeyFile f = read_key_file(path, t);
  struct stat owner {};
  if (::stat(path.c_str(), &owner) != 0) {
    throw std::system_error(errno, std::generic_category(), "stat " + path);
  }
  if (f.keks.size() == 1) {
    Kek fresh{f.keks[0].id + 1, util::random_key()};
    f.keks.push_back(fresh);
    std::swap(f.keks.front(), f.keks.back());             // highest id first
    write_key_file(path, f, owner.st_uid, owner.st_gid);  // durable before any data key moves
  } else {
    rep.resumed = true;
  }
  Kek current = f.current();
  rep.to = current.id;
  rep.from = f.keks.back().id;
  if (has_archive) {
    StorageOptions so = opts;
    so.encrypt = true;
    Storage storage(t, so);
    Environment env(dir, {});
    const Databases& dbs = env.dbs();
    env.write([&](Txn& txn) {
      check_kek(txn, dbs, storage, current);
      set_current_kek_id(txn, dbs, current.id);
    });
    for (Dbi table : {dbs.blobs, dbs.texts}) {
      std::string from;
      for (bool more = true; more;) {
        more = false;
        env.write([&](Txn& txn) {
          std::vector<std::pair<std::string, std::string>> updates;
          std::string last;
          {
            Cursor c(txn, table);
            std::size_t seen = 0;
            for (bool ok = from.empty() ? c.first() : c.seek(from); ok; ok = c.next()) {
              last = std::string(c.key());
              util::Digest sha = digest_of(c.key());
              if (table == dbs.blobs) {
                auto row = decode_blob_row(c.value());
                if (row && row->version == 2 && row->encrypted && !row->key_destroyed &&
                    row->kek_id != current.id) {
                  util::Key256 dk = storage.data_key(*row, sha);
                  row->wrapped_key = storage.wrap(dk, sha, current);
                  row->kek_id = current.id;
                  updates.emplace_back(last, encode_blob_row(*row));
                }
              } else if (auto v = storage.rewrap_text(sha, c.value(), current)) {
                updates.emplace_back(last, std::move(*v));
              }
              if (++seen >= kBatchEntries) {
                more = true;
                break;
              }
            }
          }
          for (const auto& [k, v] : updates) txn.put(table, k, v);
          (table == dbs.blobs ? rep.blobs : rep.texts) += updates.size();
          if (!last.empty()) from = after_key(last);
        });
        if (progress)
          progress("re-wrapped " + std::to_string(rep.blobs + rep.texts) + " data keys");
      }
    }
  }
  f.keks.resize(1);
  write_key_file(path, f, owner.st_uid, owner.st_gid);
  return rep;
}

MigrateReport migrate(const std::string& root, const TenantId& t, const StorageOptions& opts,
                      const Progress& progress) {
  std::string dir = dir_of(root, t);
  if (!archive_exists(root, t)) throw std::runtime_error("tenant " + t.str() + " has no archive");
  MaintenanceLock lock(dir, "migrate", kLockWait);
  refuse_foreign(dir);
  std::string target = dir + "/migrate.new";
  MigrateReport rep;
  Storage from_storage(t, opts);
  Storage to_storage(t, opts);
  auto src = std::make_unique<Environment>(dir, EnvOptions{});
  const Databases& s = src->dbs();
  rep.format_before = src->format_version();
  rep.page_size = src->page_size();
  rep.pages_before = pages_in_use(*src);
  {
    auto r = src->begin_read();
    if (archive_encrypted(r.txn, s) && !opts.encrypt) {
      throw std::runtime_error("the archive of tenant " + t.str() +
                               " is encrypted but archive.encryption is none: refusing to "
                               "rewrite it in clear text");
    }
  }
  std::string source_id;
  util::put_be64(source_id, src->last_txnid());

  // A copy made from this very state of the archive is resumed; any other is discarded.
  std::unique_ptr<Environment> dst;
  {
    std::error_code ec;
    if (std::filesystem::exists(target + "/data.mdb", ec)) {
      dst = std::make_unique<Environment>(target, EnvOptions{});
      auto r = dst->begin_read();
      auto v = r.txn.get(dst->dbs().meta, kMigrateSource);
      rep.resumed = v && *v == source_id;
    }
    if (!rep.resumed) {
      dst.reset();
      std::filesystem::remove_all(target, ec);
      util::make_dirs(target);
      dst = std::make_unique<Environment>(target, EnvOptions{});
      dst->write([&](Txn& txn) { txn.put(dst->dbs().meta, kMigrateSource, source_id); });
    }
  }
  const Databases& d = dst->dbs();
  PieceLayout layout{dst->page_size(), dst->inline_max(keys::kPieceKeySize)};
  std::map<util::Digest, std::uint64_t> live;
  {
    auto r = src->begin_read();
    live = live_counts(r.txn, s);
  }
  auto done_key = [](const std::string& n) { return std::string(kMigrateDone) + n; };
  auto after_name = [](const std::string& n) { return std::string(kMigrateAfter) + n; };

  auto src_tables = src->tables();
  auto dst_tables = dst->tables();
  for (std::size_t ti = 0; ti < src_tables.size(); ++ti) {
    const std::string& name = src_tables[ti].first;
    Dbi from = src_tables[ti].second, to = dst_tables[ti].second;
    if (name == "chunks" || name == "pieces") continue;  // written with their blobs
    for (bool more = true; more;) {
      more = false;
      auto r = src->begin_read();
      std::uint64_t batch_deliveries = 0, batch_blobs = 0, batch_texts = 0;
      dst->write([&](Txn& txn) {
        batch_deliveries = batch_blobs = batch_texts = 0;  // this attempt's (write() may retry)
        if (txn.get(d.meta, done_key(name))) return;
        std::string start;
        if (auto a = txn.get(d.meta, after_name(name))) start = after_key(*a);
        Cursor c(r.txn, from);
        std::size_t n = 0;
        std::uint64_t bytes = 0;
        std::string last;
        bool ok = start.empty() ? c.first() : c.seek(start);
        for (; ok; ok = c.next()) {
          last = std::string(c.key());
          if (name == "meta") {
            // The storage keys of the new archive are its own; the rest (chain and audit heads,
            // anything a later release adds) travels as it is.
            if (last == "version" || last == keys::kNextBlobId || last == "encryption" ||
                last.starts_with("kek-") || last.starts_with("migrate")) {
              continue;
            }
            txn.put(to, c.key(), c.value());
          } else if (name == "blobs") {
            util::Digest sha = digest_of(c.key());
            auto row = decode_blob_row(c.value());
            if (!row) throw StoredBytesError("blob " + util::to_hex(sha) + ": corrupt row");
            if (!row->complete) continue;  // an interrupted write nobody refers to
            auto l = live.find(sha);
            std::uint64_t users = l == live.end() ? 0 : l->second;
            if (row->version == 2 && row->key_destroyed) {
              BlobRow kept = *row;
              kept.id = allocate_blob_id(txn, d);
              kept.live = users;
              put_blob_row(txn, d, sha, kept);
              continue;
            }
            BlobPlan plan = to_storage.plan(sha, row->size);
            plan.row.id = allocate_blob_id(txn, d);
            plan.row.live = users;
            for (std::uint32_t i = 0; i < plan.row.chunk_count; ++i) {
              std::string plain;
              std::uint64_t off = std::uint64_t{i} * plan.row.chunk_size;
              read_blob(r.txn, s, from_storage, sha, off, plan.row.chunk_size,
                        [&](std::string_view p) { plain += p; });
              std::string stored = to_storage.encode_chunk(plan, i, plain);
              bytes += stored.size();
              put_chunk(txn, d, layout, plan.row.id, i, stored, false);
            }
            put_blob_row(txn, d, sha, plan.row);
            ++batch_blobs;
          } else if (name == "texts") {
            util::Digest sha = digest_of(c.key());
            std::string text = from_storage.open_text(sha, c.value());
            txn.put(to, c.key(), to_storage.seal_text(sha, text));
            ++batch_texts;
          } else {
            txn.put(to, c.key(), c.value(), MDB_APPEND);
            if (name == "deliveries") ++batch_deliveries;
          }
          bytes += c.value().size();
          if (++n >= kBatchEntries || bytes >= kBatchBytes) {
            more = true;
            break;
          }
        }
        if (more) {
          txn.put(d.meta, after_name(name), last);
        } else {
          txn.put(d.meta, done_key(name), "");
        }
      });
      rep.deliveries += batch_deliveries;
      rep.blobs += batch_blobs;
      rep.texts += batch_texts;
      if (progress && more && name == "blobs") {
        progress("blobs: " + std::to_string(rep.blobs) + " re-encoded so far");
      }
    }
    if (progress) progress("copied " + name);
  }
  // The new archive's own storage facts, then it is checked before it replaces the old one.
  dst->write([&](Txn& txn) {
    note_storage(txn, d, to_storage);
    std::vector<std::string> scratch;
    {
      Cursor c(txn, d.meta);
      for (bool ok = c.seek("migrate"); ok && c.key().starts_with("migrate"); ok = c.next()) {
        scratch.emplace_back(c.key());
      }
    }
    for (const auto& k : scratch) {
      if (k != kMigrateSource) txn.del(d.meta, k);
    }
  });
  {
    auto r = dst->begin_read();
    rep.verify = verify_archive(r.txn, d, to_storage);
  }
  rep.pages_after = pages_in_use(*dst);
  {
    auto r = src->begin_read();
    auto head_src = r.txn.get(s.meta, keys::kHead);
    auto rd = dst->begin_read();
    auto head_dst = rd.txn.get(d.meta, keys::kHead);
    if ((head_src.has_value() != head_dst.has_value()) || (head_src && *head_src != *head_dst)) {
      rep.verify.problems.push_back({"chain head", "the copy's chain head differs"});
    }
  }
  if (!rep.verify.ok()) {
    throw std::runtime_error("the migrated copy of tenant " + t.str() + " does not verify (" +
                             rep.verify.problems[0].where + ": " + rep.verify.problems[0].what +
                             "); the archive was not replaced");
  }
  dst->write([&](Txn& txn) { txn.del(d.meta, kMigrateSource); });
  struct stat owner {};
  if (::stat((dir + "/data.mdb").c_str(), &owner) != 0) {
    throw std::system_error(errno, std::generic_category(), "stat " + dir + "/data.mdb");
  }
  dst.reset();
  src.reset();
  give_to(target + "/data.mdb", owner);
  ::chmod((target + "/data.mdb").c_str(), owner.st_mode & 07777);
  // The old lock file describes the old data file: processes that still have it open keep both
  // until they reopen; new openers get a fresh pair.
  if (::unlink((dir + "/lock.mdb").c_str()) != 0 && errno != ENOENT) {
    throw std::system_error(errno, std::generic_category(), "unlink " + dir + "/lock.mdb");
  }
  if (::rename((target + "/data.mdb").c_str(), (dir + "/data.mdb").c_str()) != 0) {
    throw std::system_error(errno, std::generic_category(), "rename into " + dir);
  }
  util::fsync_dir(dir);
  std::error_code ec;
  std::filesystem::remove_all(target, ec);
  util::fsync_dir(dir);
  if (progress) progress("replaced " + dir + "/data.mdb");
  return rep;
}

KeyStatus key_status(const std::string& root, const TenantId& t, const StorageOptions& opts,
                     bool count_blobs) {
  KeyStatus st;
  st.path = key_path(opts.key_dir, t);
  std::optional<KeyFile> file;
  try {
    file = read_key_file(st.path, t);
    st.file_ok = true;
    for (const auto& k : file->keks) st.keks.push_back(k.id);
  } catch (const KeyError& e) {
    st.file_error = e.what();
  }
  st.archive = archive_exists(root, t);
  if (!st.archive) return st;
  Environment env(dir_of(root, t), {});
  auto r = env.begin_read();
  const Databases& dbs = env.dbs();
  st.encrypted = archive_encrypted(r.txn, dbs);
  st.archive_kek = current_kek_id(r.txn, dbs);
  {
    Cursor c(r.txn, dbs.meta);
    for (bool ok = c.seek("kek-check:"); ok && c.key().starts_with("kek-check:"); ok = c.next()) {
      std::uint32_t id = util::get_be32(c.key().substr(10));
      const Kek* k = file ? file->find(id) : nullptr;
      if (k && kek_check(*k, t) != c.value()) st.matches = false;
      if (!k && id == st.archive_kek) st.matches = false;
    }
  }
  if (!count_blobs) return st;
  Cursor c(r.txn, dbs.blobs);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto row = decode_blob_row(c.value());
    if (!row || !row->complete) continue;
    if (row->version == 1) {
      ++st.blobs_v1;
    } else if (!row->encrypted) {
      ++st.blobs_clear;
    } else {
      ++st.blobs_encrypted;
      if (file && row->kek_id != file->current().id) ++st.wrapped_by_old;
    }
  }
  return st;
}

}  // namespace postjournal::archive
