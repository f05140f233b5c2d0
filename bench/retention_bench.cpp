// bench/retention: how fast a retention purge removes expired mail, against how fast the same
// archive took it in (measured in the same run), and whether a purge's cost per delivery depends
// on the archive's size (it must not: bytes are released by their per-blob live count, not by a
// scan). N messages of about S bytes, received ten years ago, are stored by 8 producer threads
// (durable group commits, as the milter does); a 1-year policy then expires them all and
// retention::purge removes them in batches of 256 (record, indexes, bytes, tombstone and audit
// entry each). Then an archive of 10 × N messages of which the same N are expired: the ratio of
// the two purge rates shows what the other 9 × N retained deliveries cost a purge.
//   retention_bench [--messages N] [--size BYTES] [--dir DIR]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "archive/registry.hpp"
#include "config/config.hpp"
#include "ingest/ingest.hpp"
#include "retention/engine.hpp"

using namespace postjournal;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string message(std::size_t i, std::size_t size) {
  std::string m = "From: a@acme.example\r\nTo: b@acme.example\r\nSubject: bench " +
                  std::to_string(i) + "\r\nMessage-ID: <r" + std::to_string(i) +
                  "@acme.example>\r\n\r\n";
  std::uint64_t x = 0x9E3779B97F4A7C15ull * (i + 1);
  while (m.size() < size) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    m += "word" + std::to_string(x % 5000) + ((x & 15) == 0 ? "\r\n" : " ");
  }
  return m;
}

struct Run {
  double store_rate = 0, purge_rate = 0, purge_s = 0;
  std::size_t purged = 0;
};

// n messages, the first `expired` of them received ten years ago, the rest now.
Run run(const std::string& root, std::size_t n, std::size_t expired, std::size_t size) {
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  auto c = config::load_string(
      "index: {enabled: false}\nretention:\n  policies:\n    - {tenant: acme, keep: 1y}\n",
      "bench");
  Run r;
  {
    auto a = archive::Registry::instance().open(root, *archive::TenantId::parse("acme"));
    util::TimeUs old = *util::parse_time("2016-01-01"), now = util::now_us();
    auto t0 = Clock::now();
    constexpr std::size_t kThreads = 8;
    std::vector<std::thread> producers;
    for (std::size_t t = 0; t < kThreads; ++t) {
      producers.emplace_back([&, t] {
        for (std::size_t i = t; i < n; i += kThreads) {
          ingest::TransportFacts f;
          f.received = (i < expired ? old : now) + static_cast<util::TimeUs>(i);
          f.source = "bench";
          auto m = archive::MessageBytes::from_string(message(i, size));
          archive::Delivery d = ingest::make_delivery(f, m);
          if (!a->store(std::move(d), std::move(m)).ok()) std::abort();
        }
      });
    }
    for (auto& p : producers) p.join();
    r.store_rate = static_cast<double>(n) / seconds_since(t0);
    // Retention is fixed at ingestion (the milter does it after each index pass), not by the purge.
    retention::fix(*a, c, util::now_us());
    auto t1 = Clock::now();
    auto rep = retention::purge(*a, c, util::now_us(), false);
    r.purge_s = seconds_since(t1);
    r.purged = rep.purged.size();
    r.purge_rate = static_cast<double>(r.purged) / r.purge_s;
    if (r.purged != expired || a->count() != n - expired || !a->verify().ok()) {
      std::fprintf(stderr, "purge removed %zu of %zu or verify failed\n", r.purged, expired);
      std::exit(1);
    }
  }
  std::filesystem::remove_all(root);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 10000, size = 4096;
  std::string dir = "/var/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--messages") == 0) n = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--size") == 0) size = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
  }
  std::string root = dir + "/retention-bench." + std::to_string(::getpid());
  Run small = run(root, n, n, size);
  std::printf("purge   : %zu deliveries of %zu bytes in %.2f s = %.0f deliveries/s\n", small.purged,
              size, small.purge_s, small.purge_rate);
  std::printf("baseline: stored by 8 producers at %.0f msg/s\n", small.store_rate);
  std::printf("ratio purge/store: %.2f\n", small.purge_rate / small.store_rate);
  Run big = run(root, n * 10, n, size);
  std::printf("purge in 10N: %zu of %zu deliveries in %.2f s = %.0f deliveries/s\n", big.purged,
              n * 10, big.purge_s, big.purge_rate);
  std::printf("ratio purge rate in 10N/in N: %.2f\n", big.purge_rate / small.purge_rate);
  return 0;
}
