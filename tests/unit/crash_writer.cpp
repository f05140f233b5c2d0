// Helper for archive_crash_test: stores messages from 4 threads into <root>/crash forever and
// prints "<seq> <sha256>\n" to stdout (unbuffered write) only after each store() returned success,
// i.e. after the durable commit. The parent kills it with SIGKILL at random moments.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace postjournal;

int main(int argc, char** argv) {
  if (argc != 3) return 64;
  auto a = archive::Registry::instance().open(argv[1], *archive::TenantId::parse("crash"));
  unsigned seed = static_cast<unsigned>(std::stoul(argv[2]));
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (unsigned i = 0;; ++i) {
        // Sizes from a few bytes to ~600 KB so that some messages span several chunks.
        std::size_t len = (i * 7919u + t * 104729u + seed) % 600000u;
        std::string m = "Subject: " + std::to_string(seed) + "/" + std::to_string(t) + "/" +
                        std::to_string(i) + "\r\n\r\n" +
                        std::string(len, static_cast<char>('a' + i % 26));
        archive::StoreResult r = test::store(*a, m);
        if (!r.ok()) {
          std::fprintf(stderr, "store failed: %s\n", r.detail.c_str());
          _exit(1);
        }
        std::string line = std::to_string(r.seq) + " " + util::to_hex(util::sha256(m)) + "\n";
        if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(1);
      }
    });
  }
  for (auto& th : threads) th.join();
}
