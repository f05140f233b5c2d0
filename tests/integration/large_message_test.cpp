// A 150 MB message (Microsoft 365's limit) is stored from a spool file in chunks and exported
// byte-exact, while small messages submitted at the same time are committed too.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "../unit/test_support.hpp"
#include "archive/keys.hpp"
#include "util/file.hpp"

using namespace postjournal;
using namespace postjournal::archive;

TEST(LargeMessage, OneHundredFiftyMegabytesRoundTrip) {
  test::TempDir dir;
  std::string spool = dir.path() + "/spool.eml";
  util::Sha256 expected;
  {
    int fd = ::open(spool.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    util::UniqueFd guard(fd);
    std::string head = "From: big@x.test\r\nSubject: large\r\n\r\n";
    util::write_all(fd, head, spool);
    expected.update(head);
    std::string line;
    for (std::size_t written = head.size(); written < 150u * 1000 * 1000; written += line.size()) {
      line = std::to_string(written) + std::string(76, 'L') + "\r\n";
      util::write_all(fd, line, spool);
      expected.update(line);
    }
  }
  util::Digest want = expected.finish();

  auto a = Registry::instance().open(dir.path() + "/archive", *TenantId::parse("big"));
  std::thread small([&] {
    for (int i = 0; i < 20; ++i) {
      EXPECT_TRUE(
          test::store(*a, test::make_message("a@x", "b@y", "s", "<" + std::to_string(i) + "@x>"))
              .ok());
    }
  });
  auto bytes = MessageBytes::from_file(spool);
  ingest::TransportFacts f;
  f.source = "test";
  StoreResult r = a->store(ingest::make_delivery(f, bytes), std::move(bytes));
  small.join();
  ASSERT_TRUE(r.ok()) << r.detail;
  auto d = a->get(r.seq);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->content_sha256, want);
  EXPECT_GT(d->size, 150u * 1000 * 1000);
  util::Sha256 back;
  std::uint64_t pieces = 0;
  ASSERT_TRUE(a->read(d->content_sha256, 0, d->size, [&](std::string_view p) {
    back.update(p);
    ++pieces;
  }));
  EXPECT_EQ(back.finish(), want);
  EXPECT_EQ(pieces, (d->size + keys::kChunkSize - 1) / keys::kChunkSize);
  EXPECT_EQ(a->count(), 21u);
  EXPECT_TRUE(a->verify().ok());
}
