#include "housekeeping.hpp"

#include <chrono>

#include "archive/registry.hpp"
#include "index/follower.hpp"
#include "metrics/metrics.hpp"
#include "state/alerts.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

namespace postjournal::milter {

namespace {

using Clock = std::chrono::steady_clock;

void write_metrics(const Runtime& rt, ingest::Service& service) {
  const std::string& path = rt.config->metrics_file;
  try {
    util::replace_file(path, render_metrics(rt, service), 0644);
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kWarning, "metrics: cannot write " + path + ": " + e.what());
  }
}

void check(const Runtime& rt, ingest::Service& service) {
  try {
    state::check_alerts(*rt.config, service.state(), util::now_us());
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kWarning, std::string("alert check failed: ") + e.what());
  }
}

}  // namespace

Housekeeping::Housekeeping(ingest::Service& service)
    : service_(service), thread_([this] { loop(); }) {}

Housekeeping::~Housekeeping() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Housekeeping::loop() {
  Clock::time_point next_metrics = Clock::now();
  Clock::time_point next_check = Clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    auto rt = CurrentRuntime::get();
    auto now = Clock::now();
    if (!rt->config->metrics_file.empty() && now >= next_metrics) {
      write_metrics(*rt, service_);
      next_metrics = now + std::chrono::seconds(rt->config->metrics_interval);
    }
    if (now >= next_check) {
      check(*rt, service_);
      next_check = now + std::chrono::seconds(rt->config->alerts_check_interval);
    }
    auto wake = next_check;
    if (!rt->config->metrics_file.empty()) wake = std::min(wake, next_metrics);
    lock.lock();
    cv_.wait_until(lock, wake, [this] { return stopping_; });
  }
}

std::string render_metrics(const Runtime& rt, ingest::Service& service) {
  metrics::Gauges g;
  const std::string& root = rt.config->archive_root;
  if (archive::archive_exists(root, archive::TenantId::no_tenant())) {
    g.no_tenant_queue = service.archive(archive::TenantId::no_tenant())->count();
  }
  util::TimeUs now = util::now_us();
  g.sources = state::evaluate(*rt.config, service.state().all(), now);
  for (const auto& t : archive::list_tenants(root)) {
    index::Health h = index::health(*service.archive(t), root);
    std::uint64_t lag_s = h.oldest_unindexed == 0 || now < h.oldest_unindexed
                              ? 0
                              : static_cast<std::uint64_t>((now - h.oldest_unindexed) / 1000000);
    g.indexes.push_back({t.str(), h.state.watermark, h.lag, lag_s, h.state.extract_failed});
  }
  return metrics::Registry::instance().render(g);
}

}  // namespace postjournal::milter
