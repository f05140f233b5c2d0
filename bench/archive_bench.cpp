// bench/archive: durable archive throughput against a plain-file baseline measured in the same
// run. N messages of about S bytes are stored by T producer threads, each waiting for its durable
// commit like an SMTP session would. The baseline writes the same bytes sequentially to one file
// with one fdatasync per batch of the archive's average group-commit size.
// Usage: archive_bench [--messages N] [--size BYTES] [--threads T] [--dir DIR]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "archive/registry.hpp"

using namespace postjournal;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::size_t messages = 20000;
  std::size_t size = 100 * 1024;
  std::size_t threads = 8;
  std::string dir = "/var/tmp";
};

// Deterministic, unique message i: a header naming i and a body from a pool of distinct bodies.
class Corpus {
 public:
  explicit Corpus(std::size_t size) {
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int b = 0; b < 64; ++b) {
      std::string body;
      body.reserve(size);
      while (body.size() < size) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        body.push_back(static_cast<char>('!' + x % 90));
        if (body.size() % 78 == 76) body += "\r\n";
      }
      bodies_.push_back(std::move(body));
    }
  }
  std::string message(std::size_t i) const {
    return "From: bench@example.test\r\nTo: archive@example.test\r\nMessage-ID: <" +
           std::to_string(i) + "@bench.test>\r\nSubject: bench " + std::to_string(i) + "\r\n\r\n" +
           bodies_[i % bodies_.size()];
  }

 private:
  std::vector<std::string> bodies_;
};

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::string v = argv[i + 1];
    if (k == "--messages") {
      o.messages = std::stoul(v);
    } else if (k == "--size") {
      o.size = std::stoul(v);
    } else if (k == "--threads") {
      o.threads = std::stoul(v);
    } else if (k == "--dir") {
      o.dir = v;
    } else {
      return false;
    }
  }
  return argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: archive_bench [--messages N] [--size BYTES] [--threads T] [--dir DIR]\n");
    return 64;
  }
  std::string work = o.dir + "/postjournal-bench." + std::to_string(::getpid());
  std::filesystem::create_directories(work);
  Corpus corpus(o.size);
  std::uint64_t total_bytes = 0;
  for (std::size_t i = 0; i < o.messages; ++i) total_bytes += corpus.message(i).size();

  // --- archive run
  std::vector<std::vector<double>> lat(o.threads);
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> failures{0};
  archive::WriterStats stats;
  Clock::duration archive_time{};
  {
    auto a =
        archive::Registry::instance().open(work + "/archive", *archive::TenantId::parse("bench"));
    auto start = Clock::now();
    std::vector<std::thread> producers;
    for (std::size_t t = 0; t < o.threads; ++t) {
      producers.emplace_back([&, t] {
        for (std::size_t i; (i = next++) < o.messages;) {
          archive::Delivery d;
          d.transport.received = static_cast<util::TimeUs>(i);
          d.transport.source = "bench";
          auto bytes = archive::MessageBytes::from_string(corpus.message(i));
          auto t0 = Clock::now();
          auto r = a->store(std::move(d), std::move(bytes));
          lat[t].push_back(seconds(Clock::now() - t0) * 1000.0);
          if (!r.ok()) ++failures;
        }
      });
    }
    for (auto& p : producers) p.join();
    archive_time = Clock::now() - start;
    stats = a->writer_stats();
  }
  std::vector<double> all_lat;
  for (auto& l : lat) all_lat.insert(all_lat.end(), l.begin(), l.end());
  double batch = stats.commits
                     ? static_cast<double>(stats.deliveries) / static_cast<double>(stats.commits)
                     : 1;
  auto batch_n = static_cast<std::size_t>(std::max(1.0, batch + 0.5));

  // --- baseline: the same bytes, one file, one fdatasync per batch_n messages
  Clock::duration base_time{};
  {
    std::string path = work + "/baseline.dat";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::perror("open baseline");
      return 1;
    }
    auto start = Clock::now();
    for (std::size_t i = 0; i < o.messages; ++i) {
      std::string m = corpus.message(i);
      if (::write(fd, m.data(), m.size()) != static_cast<ssize_t>(m.size())) {
        std::perror("write baseline");
        return 1;
      }
      if ((i + 1) % batch_n == 0 || i + 1 == o.messages) ::fdatasync(fd);
    }
    base_time = Clock::now() - start;
    ::close(fd);
  }
  std::filesystem::remove_all(work);

  double mb = static_cast<double>(total_bytes) / 1e6;
  double a_s = seconds(archive_time), b_s = seconds(base_time);
  double n = static_cast<double>(o.messages);
  std::printf("bench/archive: %zu messages, %.1f MB, %zu producer threads, durable commits\n",
              o.messages, mb, o.threads);
  std::printf(
      "archive : %8.2f s %9.0f msg/s %8.1f MB/s  commits=%llu avg batch=%.2f  "
      "latency p50=%.2f ms p99=%.2f ms  failures=%zu\n",
      a_s, n / a_s, mb / a_s, static_cast<unsigned long long>(stats.commits), batch,
      percentile(all_lat, 0.50), percentile(all_lat, 0.99), failures.load());
  std::printf(
      "baseline: %8.2f s %9.0f msg/s %8.1f MB/s  (one file, fdatasync every %zu messages)\n", b_s,
      n / b_s, mb / b_s, batch_n);
  std::printf("ratio archive/baseline: %.2f (target >= 0.50)\n", b_s / a_s);
  return failures.load() == 0 ? 0 : 1;
}
