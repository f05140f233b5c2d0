#include "config/schema.hpp"

#include <cctype>
#include <string_view>

#include "util/strings.hpp"

namespace postjournal::config {

const std::vector<KeySpec>& schema() {
  constexpr std::uint64_t kMiB = 1ull << 20;
  static const std::vector<KeySpec> kSchema = {
      {"archive", "root", KeyType::kString, "/var/lib/postjournal", 0, 0,
       "Directory holding one LMDB archive per tenant (<root>/<tenant>/) and the No Tenant "
       "queue (<root>/_no-tenant/).",
       &Config::archive_root, nullptr},
      {"archive", "initial_map_size", KeyType::kSize, "64M", kMiB, 1ull << 50,
       "Initial LMDB map size of a new archive; the map grows automatically.", nullptr,
       &Config::archive_initial_map_size},
      {"archive", "max_map_size", KeyType::kSize, "1T", kMiB, 1ull << 50,
       "Largest map an archive may grow to. When reached, new mail is answered 452 4.3.1 "
       "(try later) and the archive stays intact.",
       nullptr, &Config::archive_max_map_size},
      {"archive", "batch_max", KeyType::kCount, "256", 1, 100000,
       "Most deliveries committed together in one durable group commit.", nullptr,
       &Config::archive_batch_max},
      {"archive", "batch_bytes", KeyType::kSize, "256M", kMiB, 1ull << 40,
       "Most message bytes in one group commit (a larger single message is committed alone).",
       nullptr, &Config::archive_batch_bytes},
      {"archive", "batch_wait_ms", KeyType::kCount, "0", 0, 1000,
       "Milliseconds the writer waits for more deliveries before committing a partial batch; 0 "
       "commits at once (batches still form while a commit is on its way to disk).",
       nullptr, &Config::archive_batch_wait_ms},
  };
  return kSchema;
}

bool parse_size(const std::string& text, std::uint64_t& out) {
  std::string t(util::trim(text));
  if (t.empty()) return false;
  std::uint64_t mult = 1;
  constexpr std::string_view kSuffixes = "KMGT";
  auto suffix =
      kSuffixes.find(static_cast<char>(std::toupper(static_cast<unsigned char>(t.back()))));
  if (suffix != std::string_view::npos) mult = 1ull << (10 * (suffix + 1));
  if (mult != 1) t.pop_back();
  unsigned long long n = 0;
  if (!util::parse_u64(t, n) || n > UINT64_MAX / mult) return false;
  out = n * mult;
  return true;
}

}  // namespace postjournal::config
