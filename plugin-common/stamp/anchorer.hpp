// The milter's stamping thread (timestamp.url set): every few seconds it looks at each tenant
// under the archive root and takes a stamp (anchor.hpp) of a tenant when
//   - timestamp.max_deliveries deliveries arrived since its newest stamp, or
//   - its oldest unstamped delivery or audit entry has waited timestamp.interval,
// so no delivery waits longer than the interval for a stamp (a tenant with nothing new is not
// stamped again). A TSA that fails does not stop anything else: the tenant is retried after 10 s,
// 20 s, 40 s ... (capped at the interval) and the next stamp that succeeds covers everything since
// the last one. Each attempt is logged and recorded in the source state under "timestamp:<tenant>"
// (a success as its last message, a failure as its latest failure), which `status`, the alert
// check and the metrics read. A tenant another process is stamping (`postjournal timestamp`) is
// skipped for the round. Never in the path of a 250. Thread-safe; the thread is joined by stop()
// or the destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "archive/tenant_archive.hpp"
#include "config/config.hpp"
#include "ingest/ingest.hpp"
#include "stamp/check.hpp"
#include "state/source_state.hpp"

namespace postjournal::stamp {

// When to stamp, given what is unstamped (pure; times in microseconds).
struct Due {
  util::TimeUs next_retry = 0;  // after a failure: not before this
  std::uint32_t failures = 0;   // in a row
};
bool is_due(const Gap& g, const Due& d, const config::Config& c, util::TimeUs now);
// The pause after `failures` failed attempts in a row: 10 s doubling, at most the interval.
util::TimeUs retry_delay(std::uint32_t failures, const config::Config& c);

class Anchorer {
 public:
  using CurrentConfig = std::function<std::shared_ptr<const config::Config>()>;

  Anchorer(std::string root, Open open, state::StateStore& state, CurrentConfig config);
  ~Anchorer();
  Anchorer(const Anchorer&) = delete;
  Anchorer& operator=(const Anchorer&) = delete;

  void start();
  void stop();
  // One look at every tenant at `now`; returns how many stamps were taken. For the thread and
  // tests.
  std::size_t round(const config::Config& c, util::TimeUs now);

 private:
  void loop();

  std::string root_;
  Open open_;
  state::StateStore& state_;
  CurrentConfig config_;
  std::map<std::string, Due> due_;  // by tenant; the thread's (or round's caller's) only
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// A daemon's stamper (postjournal-milter, postjournal-fetch) over its Service's archives, state
// store and current configuration, started; nullptr when timestamp.url is empty. Throws
// StampError (config) when timestamp.* cannot be used (anchor.hpp: settings_from), so that the
// daemon refuses to start. The Service must outlive it.
std::unique_ptr<Anchorer> start_anchorer(ingest::Service& service);

}  // namespace postjournal::stamp
