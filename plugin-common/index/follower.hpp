// Keeps every tenant's index up to date: the indexer thread of postjournal-milter
// (index.enabled) and `postjournal index --follow`. A pass visits each tenant under the archive
// root, opens its index for writing, indexes what is new and closes the index again, so that
// `postjournal reindex` (or another host's indexer) can take the write lock between passes; a
// tenant whose index is locked by another writer is skipped until the next pass (logged once per
// episode). Passes start on notify() (new mail) and at least every `interval`, at most one every
// 2 s (so that under traffic one commit covers many deliveries). Never touches the
// path of a 250: it only reads the archive. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "index/index.hpp"

namespace postjournal::index {

// The index's health for `postjournal status`, metrics and the web UI.
struct Health {
  archive::TenantId tenant;
  IndexState state;
  std::uint64_t deliveries = 0;       // in the archive
  std::uint64_t lag = 0;              // deliveries not yet indexed
  util::TimeUs oldest_unindexed = 0;  // receipt time of the first of them (0: none)
  // OK, LAGGING (lag > 0), REBUILDING (a new or lost index being built), MISSING (no index yet).
  std::string verdict() const;
};

Health health(const archive::TenantArchive& a, const std::string& archive_root);

class Follower {
 public:
  using Open = std::function<std::shared_ptr<archive::TenantArchive>(const archive::TenantId&)>;
  using Report = std::function<void(const archive::TenantId&, const Progress&)>;

  Follower(std::string archive_root, IndexOptions opts, Open open);
  ~Follower();  // stops and joins the thread
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Called by the thread after each tenant's indexing in a pass (the retention evaluation, which
  // waits for the index: retention/engine.hpp); its exceptions are logged. Set before start().
  void set_after_tenant(std::function<void(archive::TenantArchive&)> fn) {
    after_tenant_ = std::move(fn);
  }
  // Runs passes in a thread until the destructor or stop().
  void start(std::chrono::seconds interval);
  void notify();
  void stop();

  // One pass over `tenants` (all under the root when empty). Returns false when a tenant's index
  // was locked by another writer (its message is passed to `locked`).
  bool pass(const std::vector<archive::TenantId>& tenants, const Report& report,
            const std::function<void(const std::string&)>& locked);

  extract::Pool& pool() { return pool_; }

 private:
  void loop(std::chrono::seconds interval);

  std::string root_;
  IndexOptions opts_;
  Open open_;
  extract::Pool pool_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
  std::set<std::string> locked_logged_;
  std::function<void(archive::TenantArchive&)> after_tenant_;
  std::thread thread_;
};

}  // namespace postjournal::index
