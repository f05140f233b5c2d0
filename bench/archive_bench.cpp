// bench/archive: durable archive throughput against a plain-file baseline measured in the same
// run. N messages of about S bytes (realistic text, every fourth with a base64 attachment of
// random bytes) are stored by T producer threads, each waiting for its durable commit like an
// SMTP session would, twice: storage v2 as configured by default plus encryption (zstd-3 and
// aes-256-gcm) and with both off. The baseline writes the same bytes sequentially to one file
// with one fdatasync per batch of the archive's average group-commit size. Then every stored
// message is read back (what `export --raw` does) from both archives.
//   archive_bench [--messages N] [--size BYTES] [--threads T] [--dir DIR]
// With --disk DIR it instead imports every file under DIR (sorted, like `postjournal import`)
// into a fresh archive with the default storage and prints LMDB pages in use / message bytes;
// --keep PATH leaves that archive at PATH (bench/run-archive.sh runs mdb_stat -a on it).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "archive/key_file.hpp"
#include "archive/maintain.hpp"
#include "archive/registry.hpp"
#include "ingest/ingest.hpp"
#include "util/file.hpp"

using namespace postjournal;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::size_t messages = 20000;
  std::size_t size = 100 * 1024;
  std::size_t threads = 8;
  std::string dir = "/var/tmp";
  std::string disk;  // --disk: the disk-use measurement over the files of this directory
  std::string keep;
};

// Deterministic, unique message i: a header naming i and a body from a pool of distinct bodies
// of English-like text (words drawn from a skewed vocabulary); every fourth body carries a
// base64 attachment of random bytes for a third of its size, as real mail does.
class Corpus {
 public:
  explicit Corpus(std::size_t size) {
    static const char* kWords[] = {
        "the",      "of",       "and",     "to",        "a",        "in",        "is",
        "for",      "that",     "we",      "on",        "with",     "please",    "report",
        "meeting",  "budget",   "review",  "attached",  "contract", "customer",  "quarterly",
        "numbers",  "draft",    "project", "schedule",  "invoice",  "delivery",  "team",
        "update",   "question", "thanks",  "regards",   "tomorrow", "agreement", "pricing",
        "forecast", "shipment", "account", "approval",  "deadline", "migration", "server",
        "policy",   "audit",    "legal",   "retention", "archive",  "mailbox",   "journal"};
    constexpr std::size_t kVocabulary = sizeof kWords / sizeof kWords[0];
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    auto next = [&x] {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x;
    };
    for (int b = 0; b < 64; ++b) {
      std::string body;
      body.reserve(size + 1024);
      std::size_t text = b % 4 == 0 ? size * 2 / 3 : size;
      std::size_t line = 0;
      while (body.size() < text) {
        std::uint64_t r = next();
        // Skewed: small indexes (common words) far more often than large ones.
        std::size_t w =
            static_cast<std::size_t>((r % kVocabulary) * ((r >> 8) % kVocabulary) / kVocabulary);
        std::string word = kWords[w];
        if ((r >> 20) % 13 == 0) word += std::to_string((r >> 24) % 10000);
        body += word;
        line += word.size() + 1;
        if (line > 70) {
          body += ".\r\n";
          line = 0;
        } else {
          body += ' ';
        }
      }
      if (b % 4 == 0) {
        body +=
            "\r\n--b\r\nContent-Type: application/octet-stream\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n";
        static const char kB64[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (std::size_t n = 0; body.size() < size; ++n) {
          body.push_back(kB64[next() % 64]);
          if (n % 76 == 75) body += "\r\n";
        }
        body += "\r\n--b--\r\n";
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
    } else if (k == "--disk") {
      o.disk = v;
    } else if (k == "--keep") {
      o.keep = v;
    } else {
      return false;
    }
  }
  return argc % 2 == 1;
}

struct Run {
  Clock::duration time{};
  archive::WriterStats stats;
  std::vector<double> latencies;
  std::size_t failures = 0;
  double read_mb_s = 0;
};

// Stores the corpus from o.threads producers into a fresh archive, then reads every message
// back (timed separately).
Run store_and_read(const Options& o, const Corpus& corpus, const std::string& root,
                   const archive::ArchiveOptions& opts, std::uint64_t total_bytes) {
  Run run;
  std::vector<std::vector<double>> lat(o.threads);
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> failures{0};
  auto a = archive::Registry::instance().open(root, *archive::TenantId::parse("bench"), opts);
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
  run.time = Clock::now() - start;
  run.stats = a->writer_stats();
  run.failures = failures.load();
  for (auto& l : lat) run.latencies.insert(run.latencies.end(), l.begin(), l.end());
  auto read_start = Clock::now();
  std::uint64_t read = 0;
  for (std::uint64_t seq = 1; seq <= o.messages; ++seq) {
    auto d = a->get(seq);
    if (!d) continue;
    a->read(d->content_sha256, 0, d->size, [&](std::string_view p) { read += p.size(); });
  }
  double rs = seconds(Clock::now() - read_start);
  run.read_mb_s = rs > 0 ? static_cast<double>(read) / 1e6 / rs : 0;
  if (read != total_bytes) ++run.failures;
  return run;
}

// --disk: pages in use after importing every file under o.disk.
int disk_use(const Options& o) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(o.disk)) {
    // Messages: *.eml files and the files of maildir cur/ and new/ folders.
    std::string parent = e.path().parent_path().filename().string();
    if (e.is_regular_file() &&
        (e.path().extension() == ".eml" || parent == "cur" || parent == "new")) {
      files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  std::string root =
      o.keep.empty() ? o.dir + "/postjournal-disk." + std::to_string(::getpid()) : o.keep;
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  std::uint64_t bytes = 0;
  std::uint64_t pages = 0, psize = 4096, pieces = 0, leaf = 0, overflow = 0;
  {
    auto a = archive::Registry::instance().open(root, *archive::TenantId::parse("bench"));
    std::vector<std::future<archive::StoreResult>> pending;
    for (const auto& f : files) {
      auto m = archive::MessageBytes::from_string(util::read_file(f));
      bytes += m.size();
      ingest::TransportFacts facts;
      facts.source = "import";
      facts.trust_journal = true;
      archive::Delivery d = ingest::make_delivery(facts, m);
      pending.push_back(a->submit(std::move(d), std::move(m)));
      if (pending.size() >= 64) {
        for (auto& p : pending) p.get();
        pending.clear();
      }
    }
    for (auto& p : pending) p.get();
    for (const auto& s : a->db_stats()) {
      std::uint64_t n = s.branch_pages + s.leaf_pages + s.overflow_pages;
      pages += n;
      if (s.name == "pieces") {
        pieces = n;
        leaf = s.leaf_pages;
        overflow = s.overflow_pages;
      }
    }
  }
  if (o.keep.empty()) std::filesystem::remove_all(root);
  double ratio = static_cast<double>(pages * psize) / static_cast<double>(bytes);
  std::printf(
      "disk: %zu messages, %llu bytes -> %llu pages in use x %llu = %llu bytes: ratio %.3f "
      "(stored bytes: %llu pages, %llu leaf + %llu overflow; records and indexes: %llu pages)\n",
      files.size(), static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(pages),
      static_cast<unsigned long long>(psize), static_cast<unsigned long long>(pages * psize), ratio,
      static_cast<unsigned long long>(pieces), static_cast<unsigned long long>(leaf),
      static_cast<unsigned long long>(overflow), static_cast<unsigned long long>(pages - pieces));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: archive_bench [--messages N] [--size BYTES] [--threads T] [--dir DIR]\n"
                 "       archive_bench --disk DIR [--keep PATH]\n");
    return 64;
  }
  if (!o.disk.empty()) return disk_use(o);
  std::string work = o.dir + "/postjournal-bench." + std::to_string(::getpid());
  std::filesystem::create_directories(work);
  Corpus corpus(o.size);
  std::uint64_t total_bytes = 0;
  for (std::size_t i = 0; i < o.messages; ++i) total_bytes += corpus.message(i).size();

  archive::ArchiveOptions plain;
  plain.storage.compress = false;
  archive::ArchiveOptions sealed;
  sealed.storage.encrypt = true;
  sealed.storage.key_dir = work + "/keys";
  archive::init_key(work + "/sealed", *archive::TenantId::parse("bench"), sealed.storage, -1, -1);
  Run p = store_and_read(o, corpus, work + "/plain", plain, total_bytes);
  Run e = store_and_read(o, corpus, work + "/sealed", sealed, total_bytes);
  double batch = e.stats.commits ? static_cast<double>(e.stats.deliveries) /
                                       static_cast<double>(e.stats.commits)
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
  double e_s = seconds(e.time), p_s = seconds(p.time), b_s = seconds(base_time);
  double n = static_cast<double>(o.messages);
  std::printf("bench/archive: %zu messages, %.1f MB, %zu producer threads, durable commits\n",
              o.messages, mb, o.threads);
  std::printf(
      "archive : %8.2f s %9.0f msg/s %8.1f MB/s  commits=%llu avg batch=%.2f  "
      "latency p50=%.2f ms p99=%.2f ms  failures=%zu  (zstd-3 + aes-256-gcm)\n",
      e_s, n / e_s, mb / e_s, static_cast<unsigned long long>(e.stats.commits), batch,
      percentile(e.latencies, 0.50), percentile(e.latencies, 0.99), e.failures);
  std::printf(
      "plain   : %8.2f s %9.0f msg/s %8.1f MB/s  latency p50=%.2f ms p99=%.2f ms  failures=%zu  "
      "(no compression, no encryption)\n",
      p_s, n / p_s, mb / p_s, percentile(p.latencies, 0.50), percentile(p.latencies, 0.99),
      p.failures);
  std::printf(
      "baseline: %8.2f s %9.0f msg/s %8.1f MB/s  (one file, fdatasync every %zu messages)\n", b_s,
      n / b_s, mb / b_s, batch_n);
  std::printf("ratio archive/baseline: %.2f (target >= 0.50)\n", b_s / e_s);
  std::printf("ratio compressed+encrypted/plain: %.2f (target >= 0.80)\n", p_s / e_s);
  std::printf("export --raw: %.1f MB/s encrypted, %.1f MB/s plain\n", e.read_mb_s, p.read_mb_s);
  return e.failures + p.failures == 0 ? 0 : 1;
}
