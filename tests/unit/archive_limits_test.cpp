// A full LMDB map gives an error result and an intact archive; a larger limit lets writing go on.
#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace postjournal;
using namespace postjournal::archive;
using postjournal::test::TempDir;

TEST(ArchiveLimits, FullMapIsAnErrorResultAndTheArchiveStaysIntact) {
  TempDir dir;
  TenantId t = *TenantId::parse("small");
  ArchiveOptions opts;
  opts.env.initial_map_size = 1 << 20;
  opts.env.max_map_size = 4 << 20;
  std::string body(200 * 1024, 'x');
  std::uint64_t stored = 0;
  {
    auto a = Registry::instance().open(dir.path(), t, opts);
    StoreResult r;
    for (int i = 0; i < 100; ++i) {
      r = test::store(*a, "Subject: " + std::to_string(i) + "\r\n\r\n" + body);
      if (!r.ok()) break;
      ++stored;
    }
    ASSERT_EQ(r.status, StoreStatus::kFull) << r.error;
    EXPECT_NE(r.error.find("MDB_MAP_FULL"), std::string::npos) << r.error;
    EXPECT_GT(stored, 2u);
    EXPECT_GT(a->map_size(), std::uint64_t{1} << 20);  // it did grow up to the cap first
    EXPECT_TRUE(a->verify().ok());
    EXPECT_EQ(a->count(), stored);
  }
  opts.env.max_map_size = 64 << 20;
  auto a = Registry::instance().open(dir.path(), t, opts);
  EXPECT_EQ(a->count(), stored);
  StoreResult r = test::store(*a, "Subject: after\r\n\r\n" + body);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.seq, stored + 1);
  EXPECT_TRUE(a->verify().ok());
}
