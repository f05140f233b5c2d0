// A full LMDB map gives an error result and an intact archive; a larger limit lets writing go on.
#include <gtest/gtest.h>
#include <algorithm>

#include "archive/keys.hpp"
#include "archive/store_write.hpp"
#include "test_support.hpp"
#include "util/file.hpp"

using namespace postjournal;
using namespace postjournal::archive;
using postjournal::test::TempDir;

TEST(ArchiveLimits, FullMapIsAnErrorResultAndTheArchiveStaysIntact) {
  TempDir dir;
  TenantId t = *TenantId::parse("small");
  ArchiveOptions opts;
  opts.env.initial_map_size = 1 << 20;
  opts.env.max_map_size = 4 << 20;
  std::string body = test::incompressible(200 * 1024);  // the map must fill
  std::uint64_t stored = 0;
  {
    auto a = Registry::instance().open(dir.path(), t, opts);
    StoreResult r;
    for (int i = 0; i < 100; ++i) {
      r = test::store(*a, "Subject: " + std::to_string(i) + "\r\n\r\n" + body);
      if (!r.ok()) break;
      ++stored;
    }
    ASSERT_EQ(r.outcome, util::Outcome::kArchiveFull) << r.detail;
    EXPECT_NE(r.detail.find("MDB_MAP_FULL"), std::string::npos) << r.detail;
    EXPECT_GT(stored, 2u);
    EXPECT_GT(a->map_size(), std::uint64_t{1} << 20);  // it did grow up to the cap first
    EXPECT_TRUE(a->verify().ok());
    EXPECT_EQ(a->count(), stored);
  }
  opts.env.max_map_size = 64 << 20;
  auto a = Registry::instance().open(dir.path(), t, opts);
  EXPECT_EQ(a->count(), stored);
  StoreResult r = test::store(*a, "Subject: after\r\n\r\n" + body);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.seq, stored + 1);
  EXPECT_TRUE(a->verify().ok());
}

// A blob of kLargeBlob or more is written ahead in parts; a part left behind by an interrupted
// attempt (an incomplete row and its first part) is completed by the next store under the same
// blob id, and verify passes.
TEST(ArchiveLimits, LargeBlobsAreWrittenAheadAndInterruptedPartsHeal) {
  test::TempDir dir;
  TenantId t = *TenantId::parse("big");
  std::string message = "Subject: big\r\n\r\n";
  for (std::size_t i = 0; message.size() < kLargeBlob + 3 * keys::kChunkSize; ++i) {
    message += std::to_string(i * 2654435761u) + "\r\n";
  }
  util::Digest sha = util::sha256(message);
  {
    // An earlier attempt wrote the first part and died before the header.
    util::make_dirs(dir.path() + "/big");
    Environment env(dir.path() + "/big", {});
    Storage storage(t, {});
    PieceLayout layout{env.page_size(), env.inline_max(keys::kPieceKeySize)};
    BlobPlan plan = storage.plan(sha, message.size());
    {
      auto w = env.begin_write();
      begin_large_blob(w.txn, env.dbs(), storage, plan);
      w.txn.commit();
    }
    auto w = env.begin_write();
    auto part = static_cast<std::uint32_t>(kLargeBlob / keys::kChunkSize);
    put_large_part(w.txn, env.dbs(), layout, plan, 0,
                   encode_chunks(storage, plan, message, 0, part));
    w.txn.commit();
    EXPECT_EQ(plan.row.id, 1u);
  }
  auto a = Registry::instance().open(dir.path(), t);
  StoreResult r = test::store(*a, message);
  ASSERT_TRUE(r.ok()) << r.detail;
  std::string back;
  a->read(sha, 0, message.size(), [&](std::string_view p) { back += p; });
  EXPECT_EQ(back, message);
  EXPECT_TRUE(a->verify().ok());
  StoreResult again = test::store(*a, message);
  EXPECT_TRUE(again.content_existed);
  auto stats = a->db_stats();
  auto meta = std::find_if(stats.begin(), stats.end(), [](auto& s) { return s.name == "blobs"; });
  ASSERT_NE(meta, stats.end());
  EXPECT_EQ(meta->entries, 1u);  // the resumed blob, no second copy
}
