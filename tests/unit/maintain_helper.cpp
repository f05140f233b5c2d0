// Helper for storage_test: runs `rotate` or `migrate` on ROOT/TENANT with keys in KEYDIR and
// kills itself with SIGKILL at its Nth progress report (0: never), so the test can resume the
// work from an interrupted state that a real SIGKILL left. Usage:
//   maintain_helper rotate|migrate ROOT TENANT KEYDIR ENCRYPT(0|1) N
#include <csignal>
#include <cstdio>
#include <string>

#include "archive/maintain.hpp"

using namespace postjournal;

int main(int argc, char** argv) {
  if (argc != 7) return 64;
  std::string what = argv[1], root = argv[2];
  auto t = archive::TenantId::parse_any(argv[3]);
  if (!t) return 64;
  archive::StorageOptions opts;
  opts.key_dir = argv[4];
  opts.encrypt = std::string(argv[5]) == "1";
  int kill_at = std::stoi(argv[6]);
  int calls = 0;
  auto progress = [&](const std::string&) {
    if (++calls == kill_at) std::raise(SIGKILL);
  };
  try {
    if (what == "rotate") {
      archive::rotate_key(root, *t, opts, progress);
    } else if (what == "migrate") {
      archive::migrate(root, *t, opts, progress);
    } else {
      return 64;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "maintain_helper: %s\n", e.what());
    return 1;
  }
  return 0;
}
