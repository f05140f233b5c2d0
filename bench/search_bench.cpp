// bench/search, the query half: opens one tenant's index and archive and runs each query of a
// file (one per line) `--runs` times, each run an exact count plus the first page of 50 hits
// newest first, as `postjournal search QUERY --count` and `search QUERY --limit 50` do. Prints
// per query the total and the median time, then p50 and p95 over every run of every query.
// Usage: search_bench --root ARCHIVE_ROOT --tenant T --queries FILE [--runs 5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "archive/registry.hpp"
#include "index/index.hpp"

using namespace postjournal;

int main(int argc, char** argv) {
  std::string root, tenant, queries;
  int runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--root") root = argv[i + 1];
    if (a == "--tenant") tenant = argv[i + 1];
    if (a == "--queries") queries = argv[i + 1];
    if (a == "--runs") runs = std::stoi(argv[i + 1]);
  }
  auto t = archive::TenantId::parse(tenant);
  if (root.empty() || !t || queries.empty()) {
    std::cerr << "usage: search_bench --root DIR --tenant T --queries FILE [--runs N]\n";
    return 64;
  }
  auto a = archive::Registry::instance().open(root, *t);
  std::ifstream in(queries);
  std::vector<std::string> qs;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) qs.push_back(line);
  }
  std::vector<double> all;
  for (const auto& q : qs) {
    std::vector<double> ms;
    std::uint64_t total = 0;
    for (int r = 0; r < runs; ++r) {
      auto start = std::chrono::steady_clock::now();
      index::Searcher s(index::index_dir(root, *t), a.get());
      total = s.count(q);
      auto page = s.search(q, 0, 50, index::Sort::kDate);
      for (auto seq : page.seqs) (void)a->get(seq);  // the page is shown with its records
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    all.insert(all.end(), ms.begin(), ms.end());
    std::sort(ms.begin(), ms.end());
    std::printf("query %-45s total=%-8llu first=%7.1f ms  median=%7.1f ms\n", q.c_str(),
                static_cast<unsigned long long>(total), ms.front(), ms[ms.size() / 2]);
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all[std::min(all.size() - 1,
                        static_cast<std::size_t>(p * static_cast<double>(all.size())))];
  };
  std::printf("queries: %zu x %d runs  p50=%.1f ms  p95=%.1f ms  max=%.1f ms\n", qs.size(), runs,
              pct(0.50), pct(0.95), all.back());
  return 0;
}
