// The postjournal-fetch daemon's loop: polls every active mailbox and microsoft365 source every
// `poll_interval`, one source at a time. A failing mailbox (connection, TLS, certificate,
// authentication, folder, archive) is retried with exponential backoff (30 s doubling up to 1 h)
// and logged once per episode: a warning when it starts failing (or fails differently), an info
// line when it recovers. Nothing is deleted from a mailbox whose pull failed before the message was
// archived (see puller.hpp). Thread-safe: wake() and stop() may be called from any thread
// (signals).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.hpp"
#include "ingest/ingest.hpp"
#include "mail_store.hpp"

namespace postjournal::fetch {

using Clock = std::chrono::steady_clock;

// Delay before the next attempt after a failure, given the previous delay (zero: first failure).
std::chrono::seconds next_backoff(std::chrono::seconds previous);

struct MailboxHealth {
  Clock::time_point next_due{};
  std::chrono::seconds backoff{0};
  bool failing = false;
  Failure failure = Failure::kProtocol;
  std::string reason;
  unsigned failures = 0;  // consecutive failed attempts
};

class Scheduler {
 public:
  // Pulls through `service`, which must outlive the Scheduler.
  Scheduler(ingest::Service& service, std::shared_ptr<const config::Config> c);

  // Polls until stop(). Returns when stopped.
  void run();
  // Replaces the configuration (and the Service's: ingest::Service::reconfigure, which throws when
  // archive.root changed; then nothing changes); mailboxes keep their health by name, and failing
  // ones are retried at once (the reload may have fixed them).
  void reload(std::shared_ptr<const config::Config> c);
  void stop();

 private:
  // One attempt of source `name` (run returns the summary to log, "" for nothing new).
  void poll(const std::string& kind, const std::string& name, std::chrono::seconds interval,
            const std::function<std::string()>& run, MailboxHealth& h);

  ingest::Service& service_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const config::Config> config_;
  std::map<std::string, MailboxHealth> health_;
  std::atomic<bool> stop_{false};
  bool retry_failing_ = false;  // set by reload(): failing mailboxes are retried at once
};

}  // namespace postjournal::fetch
