// A full disk under the archive gives an error result (kFull) and an intact archive; once space
// is freed, writing continues. Needs root: ctest runs it inside `unshare --mount` and it mounts a
// small private tmpfs, which disappears with the process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../unit/test_support.hpp"

using namespace postjournal;
using namespace postjournal::archive;

namespace {

void fill_file(const std::string& path, std::size_t bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  std::string block(64 * 1024, 'f');
  for (std::size_t done = 0; done < bytes; done += block.size()) {
    ASSERT_EQ(::write(fd, block.data(), block.size()), static_cast<ssize_t>(block.size()));
  }
  ::close(fd);
}

}  // namespace

TEST(DiskFull, ErrorResultIntactArchiveAndRecovery) {
  test::TempDir dir;
  std::string mnt = dir.path() + "/vol";
  ASSERT_EQ(::mkdir(mnt.c_str(), 0700), 0);
  ASSERT_EQ(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=6m"), 0)
      << "mount tmpfs: " << std::strerror(errno) << " (this test needs root and unshare --mount)";
  fill_file(mnt + "/filler", 2 << 20);

  TenantId t = *TenantId::parse("acme");
  ArchiveOptions opts;
  opts.env.initial_map_size = 1 << 20;
  opts.env.max_map_size = 256 << 20;  // the map is not the limit here: the disk is
  std::string body = test::incompressible(300 * 1024);  // the disk must fill
  std::uint64_t stored = 0;
  StoreResult r;
  {
    auto a = Registry::instance().open(mnt, t, opts);
    for (int i = 0; i < 100; ++i) {
      r = test::store(*a, "Subject: " + std::to_string(i) + "\r\n\r\n" + body);
      if (!r.ok()) break;
      ++stored;
    }
    ASSERT_EQ(r.outcome, util::Outcome::kArchiveFull) << r.detail;
    EXPECT_NE(r.detail.find("No space left on device"), std::string::npos) << r.detail;
    EXPECT_GT(stored, 0u);
    VerifyReport v = a->verify();
    EXPECT_TRUE(v.ok()) << v.problems.front().where << ": " << v.problems.front().what;
    EXPECT_EQ(a->count(), stored);
    // Still full: still an error, still intact.
    EXPECT_EQ(test::store(*a, "Subject: again\r\n\r\n" + body).outcome,
              util::Outcome::kArchiveFull);

    ASSERT_EQ(::unlink((mnt + "/filler").c_str()), 0);
    r = test::store(*a, "Subject: after\r\n\r\n" + body);
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.seq, stored + 1);
    EXPECT_TRUE(a->verify().ok());
  }
  auto reopened = Registry::instance().open(mnt, t, opts);
  EXPECT_EQ(reopened->count(), stored + 1);
  EXPECT_TRUE(reopened->verify().ok());
  reopened.reset();
  EXPECT_EQ(::umount2(mnt.c_str(), MNT_DETACH), 0);
}
