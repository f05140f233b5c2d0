// The milter's periodic work, in one background thread: rewrite metrics.file every
// metrics.interval (metrics/metrics.hpp), run the alert check every alerts.check_interval
// (state/alerts.hpp; the timestamp:<tenant> rows of stamp/check.hpp included) together with the
// retention evaluation of new deliveries, and purge expired mail every retention.purge_interval
// (retention/engine.hpp; the first purge at start). Each round reads the
// current configuration snapshot, so a reload (SIGUSR1) applies to the next round. Failures are
// logged and retried next round; they never affect mail. The thread is joined by the destructor (at
// shutdown, before the Service and static objects go).
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "runtime.hpp"

namespace postjournal::milter {

class Housekeeping {
 public:
  // Starts the thread; the first round runs at once.
  explicit Housekeeping(ingest::Service& service);
  ~Housekeeping();  // stops and joins
  Housekeeping(const Housekeeping&) = delete;
  Housekeeping& operator=(const Housekeeping&) = delete;

 private:
  void loop();

  ingest::Service& service_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// One retention round over every tenant: evaluation only, or a purge (which evaluates first).
// Failures are logged per tenant and retried next round. True when expired mail waits for the
// index (the next purge should come soon).
bool retention_round(const Runtime& rt, ingest::Service& service, bool purge);

// One metrics file render for the runtime (used by the thread; exposed for tests).
std::string render_metrics(const Runtime& rt, ingest::Service& service);

}  // namespace postjournal::milter
