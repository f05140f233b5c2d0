#include "housekeeping.hpp"

#include <chrono>
#include <thread>

#include "archive/registry.hpp"
#include "metrics/metrics.hpp"
#include "state/alerts.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

namespace postjournal::milter {

namespace {

using Clock = std::chrono::steady_clock;

void write_metrics(const Runtime& rt) {
  const std::string& path = rt.config->metrics_file;
  try {
    util::replace_file(path, render_metrics(rt), 0644);
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kWarning, "metrics: cannot write " + path + ": " + e.what());
  }
}

void check(const Runtime& rt) {
  try {
    auto store = state::StateStore::open(rt.config->archive_root);
    state::check_alerts(*rt.config, *store, util::now_us());
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kWarning, std::string("alert check failed: ") + e.what());
  }
}

[[noreturn]] void loop() {
  Clock::time_point next_metrics = Clock::now();
  Clock::time_point next_check = Clock::now();
  for (;;) {
    auto rt = CurrentRuntime::get();
    auto now = Clock::now();
    if (!rt->config->metrics_file.empty() && now >= next_metrics) {
      write_metrics(*rt);
      next_metrics = now + std::chrono::seconds(rt->config->metrics_interval);
    }
    if (now >= next_check) {
      check(*rt);
      next_check = now + std::chrono::seconds(rt->config->alerts_check_interval);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));  // a timer, not synchronisation
  }
}

}  // namespace

std::string render_metrics(const Runtime& rt) {
  metrics::Gauges g;
  const std::string& root = rt.config->archive_root;
  if (archive::archive_exists(root, archive::TenantId::no_tenant())) {
    g.no_tenant_queue = rt.archive_for("")->count();
  }
  auto store = state::StateStore::open(root);
  g.sources = state::evaluate(*rt.config, store->all(), util::now_us());
  return metrics::Registry::instance().render(g);
}

void start_housekeeping() {
  std::thread(loop).detach();
}

}  // namespace postjournal::milter
