#include "scheduler.hpp"

#include "m365.hpp"
#include "puller.hpp"
#include "util/log.hpp"

namespace postjournal::fetch {

namespace {

constexpr std::chrono::seconds kFirstBackoff{30};
constexpr std::chrono::seconds kMaxBackoff{3600};

}  // namespace

std::chrono::seconds next_backoff(std::chrono::seconds previous) {
  if (previous.count() <= 0) return kFirstBackoff;
  return std::min(previous * 2, kMaxBackoff);
}

Scheduler::Scheduler(ingest::Service& service, std::shared_ptr<const config::Config> c)
    : service_(service), config_(std::move(c)) {}

void Scheduler::reload(std::shared_ptr<const config::Config> c) {
  service_.reconfigure(c);
  {
    std::lock_guard lock(mu_);
    config_ = std::move(c);
    retry_failing_ = true;  // the operator may have fixed what failed: try again now
  }
  cv_.notify_all();
}

void Scheduler::stop() {
  stop_ = true;
  cv_.notify_all();
}

void Scheduler::poll(const std::string& kind, const std::string& name,
                     std::chrono::seconds interval, const std::function<std::string()>& run,
                     MailboxHealth& h) {
  try {
    std::string summary = run();
    if (h.failing) {
      util::log(util::LogLevel::kInfo, kind + "=" + name + " recovered after " +
                                           std::to_string(h.failures) + " failed attempts");
    }
    if (!summary.empty()) util::log(util::LogLevel::kInfo, kind + "=" + name + " " + summary);
    h = MailboxHealth{};
    h.next_due = Clock::now() + interval;
  } catch (const FetchError& e) {
    bool new_episode = !h.failing || h.failure != e.failure();
    h.failing = true;
    h.failure = e.failure();
    h.reason = e.what();
    ++h.failures;
    h.backoff = next_backoff(h.backoff);
    h.next_due = Clock::now() + h.backoff;
    auto level = new_episode ? util::LogLevel::kWarning : util::LogLevel::kDebug;
    util::log(level, kind + "=" + name + " failing reason=" + failure_name(e.failure()) +
                         " retry_in=" + std::to_string(h.backoff.count()) + "s: " + e.what());
  }
}

void Scheduler::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    auto config = config_;
    if (retry_failing_) {
      for (auto& [name, h] : health_) {
        if (h.failing) h.next_due = Clock::now();
      }
      retry_failing_ = false;
    }
    auto next = Clock::now() + std::chrono::hours(1);
    struct Due {
      std::string kind, name;
      std::chrono::seconds interval;
      std::function<std::string()> run;
    };
    std::vector<Due> sources;
    for (const auto& m : config->mailboxes) {
      if (!m.active) continue;
      sources.push_back(
          {"mailbox", m.name, std::chrono::seconds(m.poll_interval), [this, config, &m] {
             PullReport r = pull(service_, *config, m, stop_);
             if (r.archived == 0 && r.deleted == 0) return std::string();
             return "pulled listed=" + std::to_string(r.listed) +
                    " archived=" + std::to_string(r.archived) +
                    " deleted=" + std::to_string(r.deleted) + " bytes=" + std::to_string(r.bytes);
           }});
    }
    for (const auto& m : config->microsoft365) {
      if (!m.active) continue;
      sources.push_back(
          {"microsoft365", m.name, std::chrono::seconds(m.poll_interval), [this, config, &m] {
             M365Report r = retrieve(service_, *config, m, stop_);
             return "retrieved mailboxes=" + std::to_string(r.mailboxes) +
                    " listed=" + std::to_string(r.listed) +
                    " archived=" + std::to_string(r.archived) + " gone=" + std::to_string(r.gone) +
                    " gaps=" + std::to_string(r.gaps.size()) +
                    " throttled=" + std::to_string(r.throttled);
           }});
    }
    for (const auto& src : sources) {
      if (stop_) break;
      MailboxHealth& h = health_[src.name];
      if (Clock::now() >= h.next_due) {
        lock.unlock();
        poll(src.kind, src.name, src.interval, src.run, h);
        lock.lock();
        if (config_ != config) break;  // reloaded meanwhile: start over with the new one
      }
      next = std::min(next, h.next_due);
    }
    if (config_ == config && !stop_) {
      cv_.wait_until(lock, next, [&] { return stop_.load() || config_ != config; });
    }
  }
}

}  // namespace postjournal::fetch
