#include "index/follower.hpp"

#include "archive/registry.hpp"
#include "util/log.hpp"

namespace postjournal::index {

namespace {

constexpr std::chrono::seconds kMinGap{2};

}  // namespace

std::string Health::verdict() const {
  if (!state.exists) return deliveries == 0 ? "OK" : "MISSING";
  if (state.rebuild_target != 0 && lag > 0) return "REBUILDING";
  return lag > 0 ? "LAGGING" : "OK";
}

Health health(const archive::TenantArchive& a, const std::string& archive_root) {
  Health h{a.tenant(), read_state(index_dir(archive_root, a.tenant())), a.count(), 0, 0};
  h.lag = a.count_after(h.state.watermark);
  if (h.lag > 0) {
    auto first = a.after(h.state.watermark, 1, 0);
    if (!first.empty()) h.oldest_unindexed = first.front().transport.received;
  }
  return h;
}

Follower::Follower(std::string archive_root, IndexOptions opts, Open open)
    : root_(std::move(archive_root)),
      opts_(std::move(opts)),
      open_(std::move(open)),
      pool_(opts_.extract) {}

Follower::~Follower() {
  stop();
}

void Follower::start(std::chrono::seconds interval) {
  thread_ = std::thread([this, interval] { loop(interval); });
}

void Follower::notify() {
  std::lock_guard lock(mu_);
  pending_ = true;
  cv_.notify_one();
}

void Follower::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

bool Follower::pass(const std::vector<archive::TenantId>& tenants, const Report& report,
                    const std::function<void(const std::string&)>& locked) {
  bool all = true;
  auto list = tenants.empty() ? archive::list_tenants(root_) : tenants;
  for (const auto& t : list) {
    if (stopping_.load()) break;
    auto a = open_(t);
    if (!a) continue;
    // Nothing new and nothing removed: do not even take the write lock.
    IndexState st = read_state(index_dir(root_, t));
    bool idle =
        st.exists && a->count_after(st.watermark) == 0 && a->removed().size() == st.removed_seen;
    if (!idle) {
      try {
        Indexer indexer(*a, index_dir(root_, t), opts_, pool_);
        Progress p = indexer.run(stopping_, [&](const Progress& pr) {
          if (report) report(t, pr);
        });
        if (p.compacted && report) report(t, p);
      } catch (const IndexLocked& e) {
        all = false;
        if (locked) locked(e.what());
      }
    }
    if (after_tenant_ && !t.is_no_tenant()) {
      try {
        after_tenant_(*a);
      } catch (const std::exception& e) {
        util::log(util::LogLevel::kWarning, "index: after " + t.str() + ": " + e.what());
      }
    }
  }
  return all;
}

void Follower::loop(std::chrono::seconds interval) {
  while (!stopping_.load()) {
    try {
      pass({}, {}, [this](const std::string& msg) {
        if (locked_logged_.insert(msg).second)
          util::log(util::LogLevel::kWarning, "index: skipped, " + msg);
      });
    } catch (const std::exception& e) {
      util::log(util::LogLevel::kError,
                std::string("index: pass failed, retrying later: error=\"") + e.what() + "\"");
    }
    std::unique_lock lock(mu_);
    // At most one pass per kMinGap: under steady traffic a pass (and its commit with its
    // fsyncs) covers every delivery of the gap instead of one each.
    cv_.wait_for(lock, kMinGap, [this] { return stopping_.load(); });
    cv_.wait_for(lock, interval - kMinGap, [this] { return pending_ || stopping_.load(); });
    pending_ = false;
  }
}

}  // namespace postjournal::index
