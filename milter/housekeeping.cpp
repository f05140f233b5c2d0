#include "housekeeping.hpp"

#include <chrono>

#include "archive/registry.hpp"
#include "index/follower.hpp"
#include "metrics/metrics.hpp"
#include "retention/engine.hpp"
#include "stamp/check.hpp"
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

std::vector<stamp::TenantGap> stamp_gaps(const Runtime& rt, ingest::Service& service) {
  return stamp::gaps(*rt.config, rt.config->archive_root,
                     [&service](const archive::TenantId& t) { return service.archive(t); });
}

void check(const Runtime& rt, ingest::Service& service) {
  try {
    util::TimeUs now = util::now_us();
    state::check_alerts(
        *rt.config, service.state(), now,
        stamp::stamp_rows(*rt.config, stamp_gaps(rt, service), service.state().all(), now));
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kWarning, std::string("alert check failed: ") + e.what());
  }
}

}  // namespace

bool retention_round(const Runtime& rt, ingest::Service& service, bool purge) {
  bool again = false;
  const config::Config& c = *rt.config;
  for (const auto& t : archive::list_tenants(c.archive_root)) {
    if (t.is_no_tenant()) continue;
    try {
      auto a = service.archive(t);
      if (!purge) {
        retention::fix(*a, c, util::now_us());
        continue;
      }
      auto r = retention::purge(*a, c, util::now_us(), false);
      if (!r.purged.empty()) service.archive_changed();  // the indexer drops them now
      again = again || r.not_yet > 0;
      if (!r.purged.empty() || !r.kept.empty()) {
        util::log(util::LogLevel::kInfo,
                  "retention: purge tenant=" + t.str() + " purged=" +
                      std::to_string(r.purged.size()) + " kept=" + std::to_string(r.kept.size()) +
                      " bytes_released=" + std::to_string(r.bytes_released) +
                      (r.reach.waiting.empty() ? "" : " waiting=\"" + r.reach.waiting + "\""));
      }
    } catch (const std::exception& e) {
      util::log(util::LogLevel::kWarning,
                "retention: " + std::string(purge ? "purge" : "evaluation") + " failed tenant=" +
                    t.str() + " error=\"" + e.what() + "\"; retrying next round");
    }
  }
  return again;
}

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
  Clock::time_point next_purge = Clock::now();
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
      (void)retention_round(*rt, service_, false);
      next_check = now + std::chrono::seconds(rt->config->alerts_check_interval);
    }
    if (now >= next_purge) {
      // Expired mail the index has not reached yet is looked at again soon, not in an hour.
      bool again = retention_round(*rt, service_, true);
      auto every = std::chrono::seconds(rt->config->retention.purge_interval);
      next_purge = Clock::now() + (again ? std::min(every, std::chrono::seconds(10)) : every);
    }
    auto wake = std::min(next_check, next_purge);
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
  auto states = service.state().all();
  g.sources = state::evaluate(*rt.config, states, now);
  auto gaps = stamp_gaps(rt, service);
  for (auto& row : stamp::stamp_rows(*rt.config, gaps, states, now)) g.sources.push_back(row);
  for (const auto& tg : gaps) {
    const stamp::Gap& gap = tg.gap;
    auto seconds = [](util::TimeUs t) {
      return static_cast<std::uint64_t>(t < 0 ? 0 : t / 1000000);
    };
    g.stamps.push_back({tg.tenant.str(), gap.last ? gap.last->deliveries.seq : 0,
                        gap.unstamped + gap.unstamped_audit,
                        gap.oldest_unstamped == 0 ? 0 : seconds(now - gap.oldest_unstamped),
                        gap.last ? seconds(gap.last->gen_time) : 0});
  }
  for (const auto& t : archive::list_tenants(root)) {
    if (t.is_no_tenant()) continue;
    auto r = retention::summary(*service.archive(t), *rt.config);
    g.retention.push_back({t.str(), r.held, r.active_holds, r.purged, r.erased,
                           r.next_expiry ? static_cast<std::uint64_t>(*r.next_expiry / 1000000) : 0,
                           r.unevaluated});
  }
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
