#include "stamp/anchorer.hpp"

#include <algorithm>

#include "archive/registry.hpp"
#include "stamp/anchor.hpp"
#include "util/log.hpp"

namespace postjournal::stamp {

namespace {

constexpr util::TimeUs kSecond = 1000000;

}  // namespace

bool is_due(const Gap& g, const Due& d, const config::Config& c, util::TimeUs now) {
  if (g.unstamped == 0 && g.unstamped_audit == 0) return false;
  if (now < d.next_retry) return false;
  if (g.unstamped >= c.timestamp_max_deliveries) return true;
  return g.oldest_unstamped != 0 &&
         now - g.oldest_unstamped >= static_cast<util::TimeUs>(c.timestamp_interval) * kSecond;
}

util::TimeUs retry_delay(std::uint32_t failures, const config::Config& c) {
  util::TimeUs cap = static_cast<util::TimeUs>(c.timestamp_interval) * kSecond;
  util::TimeUs delay = 10 * kSecond;
  for (std::uint32_t i = 1; i < failures && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

Anchorer::Anchorer(std::string root, Open open, state::StateStore& state, CurrentConfig config)
    : root_(std::move(root)), open_(std::move(open)), state_(state), config_(std::move(config)) {}

Anchorer::~Anchorer() {
  stop();
}

void Anchorer::start() {
  thread_ = std::thread([this] { loop(); });
}

void Anchorer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t Anchorer::round(const config::Config& c, util::TimeUs now) {
  if (c.timestamp_url.empty()) return 0;
  Settings settings;
  try {
    settings = settings_from(c);
  } catch (const StampError& e) {
    util::log(util::LogLevel::kError, std::string("timestamp: ") + e.what());
    return 0;
  }
  std::size_t taken = 0;
  for (const auto& t : archive::list_tenants(root_)) {
    std::string name = row_name(t);
    try {
      auto a = open_(t);
      Gap g = gap(*a);
      Due& d = due_[t.str()];
      if (!is_due(g, d, c, now)) continue;
      try {
        archive::StampRecord rec = take_stamp(*a, settings, false);
        d = Due{};
        ++taken;
        state_.update(name, [&](state::SourceState& s) {
          ++s.messages;
          s.failing = false;
        });
        util::log(util::LogLevel::kInfo, "timestamp: stamped tenant=" + t.str() +
                                             " stamp=" + std::to_string(rec.seq) +
                                             " deliveries=" + std::to_string(rec.deliveries.seq) +
                                             " audit=" + std::to_string(rec.audit.seq) +
                                             " tsa_time=" + util::format_iso8601(rec.gen_time));
      } catch (const StampError& e) {
        if (e.kind() == StampError::Kind::kBusy) continue;
        ++d.failures;
        d.next_retry = now + retry_delay(d.failures, c);
        state_.record_failure(name, now, e.what());
        util::log(util::LogLevel::kWarning,
                  "timestamp: failed tenant=" + t.str() +
                      " unstamped=" + std::to_string(g.unstamped) +
                      " retry_in=" + std::to_string(retry_delay(d.failures, c) / kSecond) +
                      "s reason=" + e.what());
      }
    } catch (const std::exception& e) {
      util::log(util::LogLevel::kError, "timestamp: tenant=" + t.str() + ": " + e.what());
    }
  }
  return taken;
}

std::unique_ptr<Anchorer> start_anchorer(ingest::Service& service) {
  auto c = service.config();
  if (c->timestamp_url.empty()) return nullptr;
  (void)settings_from(*c);  // timestamp.ca_file set, password file readable
  ingest::Service* svc = &service;
  auto a = std::make_unique<Anchorer>(
      c->archive_root, [svc](const archive::TenantId& t) { return svc->archive(t); },
      service.state(), [svc] { return svc->config(); });
  a->start();
  return a;
}

void Anchorer::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    auto c = config_();
    round(*c, util::now_us());
    auto pause = std::chrono::seconds(std::clamp<std::uint64_t>(c->timestamp_interval / 4, 1, 5));
    lock.lock();
    cv_.wait_for(lock, pause, [this] { return stopping_; });
  }
}

}  // namespace postjournal::stamp
