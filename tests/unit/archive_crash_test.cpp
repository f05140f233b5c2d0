// Kills a writing child process with SIGKILL at random moments, many times. After each kill the
// archive must open and hold every acknowledged delivery, byte-exact, with an intact hash chain
// (it may hold a few more that were committed but not yet acknowledged).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <sstream>

#include "test_support.hpp"

using namespace postjournal;
using postjournal::test::TempDir;

#ifndef CRASH_WRITER
#error "CRASH_WRITER must name the helper binary"
#endif

namespace {

// Runs the helper until it has acknowledged at least `min_acks`, then kills it. Returns the
// acknowledged seq -> sha256 hex.
std::map<std::uint64_t, std::string> run_and_kill(const std::string& root, unsigned seed,
                                                  std::size_t min_acks, int extra_ms) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(CRASH_WRITER, CRASH_WRITER, root.c_str(), std::to_string(seed).c_str(), nullptr);
    _exit(127);
  }
  ::close(fds[1]);
  std::string buf;
  std::map<std::uint64_t, std::string> acked;
  auto drain = [&](int timeout_ms) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char tmp[4096];
    ssize_t n = ::read(fds[0], tmp, sizeof tmp);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<std::size_t>(n));
    return true;
  };
  auto parse = [&] {
    std::size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      std::istringstream line(buf.substr(0, nl));
      std::uint64_t seq = 0;
      std::string sha;
      line >> seq >> sha;
      acked[seq] = sha;
      buf.erase(0, nl + 1);
    }
  };
  while (acked.size() < min_acks && drain(30000)) parse();
  // Let it run a little longer so the kill lands anywhere: mid-batch, mid-commit, idle.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(extra_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (drain(static_cast<int>(left.count()) + 1)) parse();
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  while (drain(0)) parse();  // acknowledgements written before the kill
  parse();
  ::close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(status)) << "helper exited on its own with status " << status;
  return acked;
}

}  // namespace

TEST(ArchiveCrash, AcknowledgedDeliveriesSurviveSigkill) {
  TempDir dir;
  std::mt19937 rng(20261129);
  std::map<std::uint64_t, std::string> all_acked;
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    auto acked = run_and_kill(dir.path(), static_cast<unsigned>(round), 5 + rng() % 20,
                              static_cast<int>(rng() % 150));
    ASSERT_FALSE(acked.empty()) << "round " << round;
    all_acked.insert(acked.begin(), acked.end());

    auto a = archive::Registry::instance().open(dir.path(), *archive::TenantId::parse("crash"));
    archive::VerifyReport v = a->verify();
    ASSERT_TRUE(v.ok()) << "round " << round << ": " << v.problems.front().where << ": "
                        << v.problems.front().what;
    EXPECT_GE(a->count(), all_acked.size());
    for (const auto& [seq, sha] : all_acked) {
      auto d = a->get(seq);
      ASSERT_TRUE(d) << "acknowledged delivery " << seq << " is missing after round " << round;
      EXPECT_EQ(util::to_hex(d->content_sha256), sha) << seq;
      util::Sha256 h;
      a->read(d->content_sha256, 0, d->size, [&h](std::string_view p) { h.update(p); });
      EXPECT_EQ(util::to_hex(h.finish()), sha) << "stored bytes of " << seq << " are torn";
    }
  }
}
