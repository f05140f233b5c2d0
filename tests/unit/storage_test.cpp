// Storage v2: compression, the page-aware layout, encryption at rest with per-tenant keys, key
// rotation, the format migration and the maintenance lock, against real LMDB files (and real
// SIGKILLs of a helper process for the interrupted rotation and migration).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "archive/key_file.hpp"
#include "archive/keys.hpp"
#include "archive/maintain.hpp"
#include "archive/maintenance.hpp"
#include "archive/store_write.hpp"
#include "config/config.hpp"
#include "ingest/ingest.hpp"
#include "raw_env.hpp"
#include "test_support.hpp"
#include "util/file.hpp"

#ifndef MAINTAIN_HELPER
#error "MAINTAIN_HELPER must name the helper binary"
#endif

using namespace postjournal;
using namespace postjournal::archive;
using postjournal::test::RawEnv;
using postjournal::test::TempDir;

namespace {

TenantId acme() {
  return *TenantId::parse("acme");
}
TenantId beta() {
  return *TenantId::parse("beta");
}

// A realistic message of about `size` bytes: headers and English-like text.
std::string text_message(int n, std::size_t size = 4000) {
  static const char* words[] = {"quarterly", "report", "meeting",  "the",    "numbers",
                                "of",        "and",    "please",   "review", "attached",
                                "budget",    "for",    "next",     "week",   "contract",
                                "draft",     "signed", "customer", "to",     "we"};
  std::string body;
  std::uint64_t x = std::uint64_t{0x9E3779B97F4A7C15} * static_cast<std::uint64_t>(n + 1);
  while (body.size() < size) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    body += words[x % 20];
    body += (x % 11 == 0) ? ".\r\n" : " ";
  }
  return test::make_message("alice" + std::to_string(n % 7) + "@acme.example", "bob@acme.example",
                            "Message " + std::to_string(n),
                            "<m" + std::to_string(n) + "@acme.example>", body);
}

std::string read_back(const TenantArchive& a, std::uint64_t seq) {
  auto d = a.get(seq);
  std::string out;
  if (d) a.read(d->content_sha256, 0, d->size, [&](std::string_view p) { out += p; });
  return out;
}

std::string file_text(const std::string& path) {
  return util::read_file(path);
}

DbStats stats_of(const TenantArchive& a, const std::string& name) {
  for (const auto& s : a.db_stats()) {
    if (s.name == name) return s;
  }
  return {};
}

// Runs maintain_helper; returns its wait status.
int helper(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv{const_cast<char*>(MAINTAIN_HELPER)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(MAINTAIN_HELPER, argv.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

class Storage2 : public ::testing::Test {
 protected:
  std::string root() const { return dir_.path() + "/root"; }
  std::string keys() const { return dir_.path() + "/keys"; }
  ArchiveOptions options(bool encrypt = true) const {
    ArchiveOptions o;
    o.storage.encrypt = encrypt;
    o.storage.key_dir = keys();
    return o;
  }
  std::shared_ptr<TenantArchive> open(const TenantId& t, bool encrypt = true) {
    return Registry::instance().open(root(), t, options(encrypt));
  }
  void init(const TenantId& t) { init_key(root(), t, options().storage, -1, -1); }
  std::string env_dir(const TenantId& t) const { return root() + "/" + t.str(); }

  TempDir dir_;
};

}  // namespace

TEST_F(Storage2, SmallMessagesAreCompressedIntoLeafPagesAndComeBackByteForByte) {
  auto a = open(acme(), false);
  std::uint64_t raw = 0;
  for (int i = 0; i < 60; ++i) {
    std::string m = text_message(i);
    raw += m.size();
    ASSERT_TRUE(test::store(*a, m).ok());
  }
  std::string big = test::incompressible(700 * 1024);  // three chunks, stored as they are
  ASSERT_TRUE(test::store(*a, "Subject: big\r\n\r\n" + big).ok());
  for (int i = 0; i < 60; ++i)
    EXPECT_EQ(read_back(*a, static_cast<std::uint64_t>(i) + 1), text_message(i));
  EXPECT_EQ(read_back(*a, 61), "Subject: big\r\n\r\n" + big);
  DbStats pieces = stats_of(*a, "pieces");
  // The text messages (4 KB, about 2 KB compressed) need no overflow page: only the big one's
  // three chunks do, in whole pages (n * 4096 - 16 bytes) plus leaf-sized remainders.
  std::uint64_t big_pages = 0;
  for (std::size_t left = big.size() + 16; left > 0;) {
    std::size_t chunk = std::min<std::size_t>(left, keys::kChunkSize + 1);
    big_pages += (chunk + 16) / 4096;
    left -= chunk;
  }
  EXPECT_LE(pieces.overflow_pages, big_pages + 1);
  EXPECT_LT(pieces.leaf_pages * 4096, raw / 2) << "4 KB text should compress below half";
  VerifyReport v = a->verify();
  EXPECT_TRUE(v.ok()) << v.problems.front().what;
  EXPECT_EQ(v.blobs_clear, 61u);
}

TEST_F(Storage2, EncryptedArchiveHidesContentAndVerifies) {
  init(acme());
  {
    auto a = open(acme());
    ASSERT_TRUE(test::store(*a, text_message(1) + "zebra-unique-token-4711\r\n").ok());
    ASSERT_TRUE(test::store(*a, "Subject: big\r\n\r\n" + test::incompressible(400 * 1024)).ok());
    EXPECT_TRUE(a->encrypted());
    VerifyReport v = a->verify();
    EXPECT_TRUE(v.ok());
    EXPECT_EQ(v.blobs_encrypted, 2u);
    EXPECT_EQ(read_back(*a, 1), text_message(1) + "zebra-unique-token-4711\r\n");
  }
  std::string file = file_text(env_dir(acme()) + "/data.mdb");
  EXPECT_EQ(file.find("zebra-unique-token-4711"), std::string::npos);
  EXPECT_EQ(file.find("please review"), std::string::npos);
  EXPECT_NE(file.find("Message 1"), std::string::npos) << "records (the subject) stay readable";
}

TEST_F(Storage2, OneFlippedCiphertextByteIsNamedByVerify) {
  init(acme());
  util::Digest sha{};
  {
    auto a = open(acme());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(test::store(*a, text_message(i)).ok());
    sha = a->get(2)->content_sha256;
  }
  {
    RawEnv raw(env_dir(acme()));
    auto row = decode_blob_row(raw.get("blobs", std::string(util::as_bytes(sha))));
    ASSERT_TRUE(row && row->encrypted);
    std::string piece = raw.get("pieces", keys::piece(row->id, 0, 0));
    piece[piece.size() / 2] ^= 0x10;
    raw.put("pieces", keys::piece(row->id, 0, 0), piece);
  }
  auto a = open(acme());
  VerifyReport r = a->verify();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].where.rfind("acme:2 (blob ", 0), 0u) << r.problems[0].where;
  EXPECT_NE(r.problems[0].what.find("does not authenticate"), std::string::npos)
      << r.problems[0].what;
  EXPECT_THROW(read_back(*a, 2), StoredBytesError);
  EXPECT_EQ(read_back(*a, 1), text_message(0));
}

TEST_F(Storage2, AChunkCopiedFromAnotherTenantDoesNotDecrypt) {
  init(acme());
  init(beta());
  for (const auto& t : {acme(), beta()}) {
    auto a = open(t);
    ASSERT_TRUE(test::store(*a, text_message(t == acme() ? 1 : 2)).ok());
  }
  std::string from_acme;
  {
    RawEnv raw(env_dir(acme()));
    from_acme = raw.get("pieces", keys::piece(1, 0, 0));
  }
  {
    RawEnv raw(env_dir(beta()));
    raw.put("pieces", keys::piece(1, 0, 0), from_acme);
  }
  auto b = open(beta());
  try {
    read_back(*b, 1);
    ADD_FAILURE() << "acme's chunk decrypted in beta";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tenant beta"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(b->verify().ok());
}

TEST_F(Storage2, AWrongOrMissingKeyIsAClearErrorAndNothingIsStoredInClear) {
  init(acme());
  {
    auto a = open(acme());
    ASSERT_TRUE(test::store(*a, text_message(1)).ok());
  }
  std::string path = key_path(keys(), acme());
  KeyFile other;
  other.tenant = "acme";
  other.keks.push_back({1, util::random_key()});
  write_key_file(path, other);
  {
    auto a = open(acme());
    try {
      read_back(*a, 1);
      ADD_FAILURE() << "read with the wrong key";
    } catch (const KeyError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
    StoreResult r = test::store(*a, text_message(2));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.detail.find("not the key this archive was encrypted with"), std::string::npos)
        << r.detail;
    KeyStatus s = key_status(root(), acme(), options().storage);
    EXPECT_FALSE(s.matches);
  }
  std::filesystem::remove(path);
  {
    auto a = open(acme());
    try {
      read_back(*a, 1);
      ADD_FAILURE() << "read without a key";
    } catch (const KeyError& e) {
      EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
    }
  }
  {
    auto a = open(acme(), false);  // archive.encryption: none on an encrypted archive
    StoreResult r = test::store(*a, text_message(3));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.detail.find("refusing to store mail in clear text"), std::string::npos) << r.detail;
    EXPECT_EQ(a->count(), 1u);
  }
}

TEST_F(Storage2, KeyInitRefusesToOverwriteAndTheKeyFileIsPrivate) {
  init(acme());
  std::string path = key_path(keys(), acme());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_THROW(init(acme()), KeyError);
  KeyFile f = read_key_file(path, acme());
  EXPECT_EQ(f.keks.size(), 1u);
  EXPECT_THROW(read_key_file(path, beta()), KeyError);  // another tenant's file
}

TEST_F(Storage2, RotationRewrapsInPlaceAndAnInterruptedOneCompletes) {
  init(acme());
  {
    auto a = open(acme());
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(test::store(*a, text_message(i)).ok());
    a->cache_texts(a->get(1)->content_sha256, {{util::sha256("att"), "cached attachment text"}});
  }
  std::string path = key_path(keys(), acme());
  // Killed after its first batch: the key file holds both KEKs.
  int status = helper({"rotate", root(), "acme", keys(), "1", "1"});
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_EQ(read_key_file(path, acme()).keks.size(), 2u);
  {
    auto a = open(acme());
    EXPECT_TRUE(a->verify().ok());  // readable with both KEKs in the file
  }
  status = helper({"rotate", root(), "acme", keys(), "1", "0"});
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  KeyFile f = read_key_file(path, acme());
  ASSERT_EQ(f.keks.size(), 1u);
  EXPECT_EQ(f.current().id, 2u);
  KeyStatus s = key_status(root(), acme(), options().storage);
  EXPECT_EQ(s.wrapped_by_old, 0u);
  EXPECT_EQ(s.blobs_encrypted, 20u);
  EXPECT_TRUE(s.matches);
  auto a = open(acme());
  VerifyReport v = a->verify();
  EXPECT_TRUE(v.ok()) << v.problems.front().what;
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(read_back(*a, static_cast<std::uint64_t>(i) + 1), text_message(i));
  EXPECT_EQ(a->cached_text(util::sha256("att")), "cached attachment text");
  // New mail after the rotation is wrapped by the new KEK.
  ASSERT_TRUE(test::store(*a, text_message(99)).ok());
  EXPECT_EQ(key_status(root(), acme(), options().storage).wrapped_by_old, 0u);
}

TEST_F(Storage2, TheTextCacheIsSealed) {
  init(acme());
  auto a = open(acme());
  ASSERT_TRUE(test::store(*a, text_message(1)).ok());
  util::Digest att = util::sha256("pdf bytes");
  a->cache_texts(a->get(1)->content_sha256, {{att, "walrus-unique-extracted-text"}});
  EXPECT_EQ(a->cached_text(att), "walrus-unique-extracted-text");
  a.reset();
  EXPECT_EQ(file_text(env_dir(acme()) + "/data.mdb").find("walrus-unique"), std::string::npos);
}

TEST_F(Storage2, LiveCountsFollowDeliveriesAndRemovals) {
  TenantId q = TenantId::no_tenant();
  init(q);
  auto a = open(q);
  std::string m = text_message(5);
  ASSERT_TRUE(test::store(*a, m).ok());
  ASSERT_TRUE(test::store(*a, m).ok());
  util::Digest sha = a->get(1)->content_sha256;
  auto row = [&] {
    RawEnv raw(env_dir(q));
    return decode_blob_row(raw.get("blobs", std::string(util::as_bytes(sha))));
  };
  a.reset();
  EXPECT_EQ(row()->live, 2u);
  a = open(q);
  AuditEntry e;
  e.user = "test";
  e.action = "delete";
  a->remove(1, e);
  a.reset();
  EXPECT_EQ(row()->live, 1u);
  a = open(q);
  EXPECT_EQ(read_back(*a, 2), m);
  a->remove(2, e);
  EXPECT_EQ(stats_of(*a, "blobs").entries, 0u);
  EXPECT_EQ(stats_of(*a, "pieces").entries, 0u);
  EXPECT_TRUE(a->verify().ok());
}

TEST_F(Storage2, TheFetchLedgerAndRetransmissionsWorkEncrypted) {
  init(acme());
  auto a = open(acme());
  Delivery d;
  d.transport.source = "journal-mailbox";
  d.transport.fetch_server = "imap.example:993";
  d.transport.fetch_uid = "imap 1 42";
  d.transport.received = 1'795'000'000'000'000;
  auto r = a->store(d, MessageBytes::from_string(text_message(1)));
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(a->fetched("journal-mailbox", "imap.example:993", "imap 1 42"), r.seq);
  auto again = a->store(d, MessageBytes::from_string(text_message(1)), {true});
  EXPECT_TRUE(again.retransmission);
  EXPECT_EQ(again.seq, r.seq);
  EXPECT_EQ(read_back(*a, r.seq), text_message(1));
  EXPECT_TRUE(a->verify().ok());
}

TEST_F(Storage2, CommitsAreTurnedAwayWhileMaintenanceHoldsTheLock) {
  auto a = open(acme(), false);
  ASSERT_TRUE(test::store(*a, text_message(1)).ok());
  int go[2], done[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(done), 0);
  pid_t pid = ::fork();
  if (pid == 0) {  // another process: the lock is per process for this one
    MaintenanceLock lock(env_dir(acme()), "test maintenance", std::chrono::seconds(5));
    char c = 'x';
    if (::write(go[1], &c, 1) != 1 || ::read(done[0], &c, 1) != 1) _exit(1);
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(go[0], &c, 1), 1);
  StoreResult busy = test::store(*a, text_message(2));
  EXPECT_FALSE(busy.ok());
  EXPECT_EQ(busy.outcome, util::Outcome::kArchiveFailed);
  EXPECT_NE(busy.detail.find("under maintenance: test maintenance (pid"), std::string::npos)
      << busy.detail;
  ASSERT_EQ(::write(done[1], &c, 1), 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(test::store(*a, text_message(2)).ok());
  EXPECT_EQ(a->count(), 2u);
  for (int fd : {go[0], go[1], done[0], done[1]}) ::close(fd);
}

// The v1 archive under tests/data was written by the release before storage v2.
class FormatOne : public Storage2 {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root());
    std::filesystem::copy(std::string(SOURCE_DIR) + "/tests/data/archive-v1", root(),
                          std::filesystem::copy_options::recursive);
    std::ifstream sums(std::string(SOURCE_DIR) + "/tests/data/archive-v1/SHA256SUMS");
    std::string id, hex;
    while (sums >> id >> hex) expected_[id] = hex;
  }
  void expect_exports(const TenantId& t, bool encrypt) {
    auto a = open(t, encrypt);
    for (const auto& [id, hex] : expected_) {
      if (!id.starts_with(t.str() + ":")) continue;
      std::uint64_t seq = std::stoull(id.substr(id.find(':') + 1));
      EXPECT_EQ(util::to_hex(util::sha256(read_back(*a, seq))), hex) << id;
    }
    VerifyReport v = a->verify();
    EXPECT_TRUE(v.ok()) << (v.ok() ? ""
                                   : v.problems.front().where + ": " + v.problems.front().what);
  }
  std::map<std::string, std::string> expected_;
};

TEST_F(FormatOne, AFormatOneArchiveReadsVerifiesAndTakesNewMail) {
  expect_exports(acme(), false);
  expect_exports(TenantId::no_tenant(), false);
  auto a = open(acme(), false);
  EXPECT_EQ(a->format_version(), 1);
  VerifyReport v = a->verify();
  EXPECT_EQ(v.blobs_v1, 6u);  // the reports are stored as prefix, original, suffix
  ASSERT_TRUE(test::store(*a, text_message(1)).ok());
  EXPECT_EQ(a->format_version(), 2);
  EXPECT_TRUE(a->verify().ok());
  // A format-1 blob deduplicates a new delivery of the same bytes (no count to keep).
  StoreResult again = test::store(*a, read_back(*a, 1));
  EXPECT_TRUE(again.content_existed);
  EXPECT_TRUE(a->verify().ok());
}

TEST_F(FormatOne, MigrationInterruptedBySigkillResumesVerifiesAndEncrypts) {
  init(acme());
  for (const char* kill_at : {"2", "6"}) {
    int status = helper({"migrate", root(), "acme", keys(), "1", kill_at});
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    expect_exports(acme(), true);  // the old archive is untouched until the swap
  }
  int status = helper({"migrate", root(), "acme", keys(), "1", "0"});
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(std::filesystem::exists(env_dir(acme()) + "/migrate.new"));
  expect_exports(acme(), true);
  auto a = open(acme());
  VerifyReport v = a->verify();
  EXPECT_EQ(v.blobs_v1, 0u);
  EXPECT_EQ(v.blobs_encrypted, 6u);
  EXPECT_EQ(v.deliveries, 5u);
  EXPECT_EQ(stats_of(*a, "chunks").entries, 0u);
  EXPECT_TRUE(a->encrypted());
}

TEST_F(FormatOne, AnOpenArchiveFollowsTheSwapAndAForeignOpenerStopsTheMigration) {
  auto q = open(TenantId::no_tenant(), false);
  ASSERT_TRUE(test::store(*q, text_message(7)).ok());
  int status = helper({"migrate", root(), "_no-tenant", keys(), "0", "0"});
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  // This process kept the old file open; its next commit goes into the new one.
  ASSERT_TRUE(test::store(*q, text_message(8)).ok());
  q.reset();
  expect_exports(TenantId::no_tenant(), false);
  q = open(TenantId::no_tenant(), false);
  EXPECT_EQ(q->count(), 3u);
  EXPECT_EQ(q->verify().blobs_v1, 0u);
  q.reset();
  // A raw LMDB opener (no maintenance protocol) makes migrate refuse.
  MDB_env* env = nullptr;
  mdb_env_create(&env);
  mdb_env_set_maxdbs(env, 32);
  ASSERT_EQ(mdb_env_open(env, env_dir(acme()).c_str(), MDB_RDONLY, 0640), 0);
  status = helper({"migrate", root(), "acme", keys(), "0", "0"});
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  mdb_env_close(env);
  EXPECT_FALSE(std::filesystem::exists(env_dir(acme()) + "/migrate.new"));
}

TEST_F(Storage2, TheDaemonsRefuseToStartWithoutTheKeysTheirSettingsNeed) {
  auto config = [&](const std::string& encryption) {
    return config::load_string("archive: {root: " + root() + ", encryption: " + encryption +
                                   ", key_dir: " + keys() + "}\n",
                               "test.yaml");
  };
  EXPECT_EQ(ingest::storage_problem(config("none")), "");
  std::string p = ingest::storage_problem(config("aes-256-gcm"));
  EXPECT_NE(p.find("_no-tenant.key: No such file"), std::string::npos) << p;
  init(TenantId::no_tenant());
  init(acme());
  EXPECT_EQ(ingest::storage_problem(config("aes-256-gcm")), "");
  {
    auto a = open(acme());
    ASSERT_TRUE(test::store(*a, text_message(1)).ok());
  }
  p = ingest::storage_problem(config("none"));
  EXPECT_NE(p.find("the archive of tenant acme is encrypted but archive.encryption is none"),
            std::string::npos)
      << p;
  KeyFile other;
  other.tenant = "acme";
  other.keks.push_back({1, util::random_key()});
  write_key_file(key_path(keys(), acme()), other);
  p = ingest::storage_problem(config("aes-256-gcm"));
  EXPECT_NE(p.find("is not the key this archive was encrypted with"), std::string::npos) << p;
}

// Blob rows found by record_fuzz: a zero chunk size (was a division by zero) and counts that do
// not agree with the size are corrupt rows, not crashes.
TEST(BlobRow, CorruptRowsAreRefused) {
  EXPECT_FALSE(decode_blob_row(std::string("\x02\x00\x00\x00\x7a\x00\x00\x00", 8)));
  BlobRow r;
  r.size = 600 * 1024;
  r.chunk_size = 256 * 1024;
  r.chunk_count = 3;
  r.id = 7;
  r.live = 2;
  auto back = decode_blob_row(encode_blob_row(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->chunk_count, 3u);
  EXPECT_EQ(back->live, 2u);
  r.chunk_count = 2;
  EXPECT_FALSE(decode_blob_row(encode_blob_row(r)));
  r.size = 0;
  r.chunk_count = 0;
  EXPECT_TRUE(decode_blob_row(encode_blob_row(r)));
  r.chunk_size = 0;
  EXPECT_FALSE(decode_blob_row(encode_blob_row(r)));
}
