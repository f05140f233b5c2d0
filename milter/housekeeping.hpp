// The milter's periodic work, in one background thread: rewrite metrics.file every
// metrics.interval (metrics/metrics.hpp) and run the alert check every alerts.check_interval
// (state/alerts.hpp; the timestamp:<tenant> rows of stamp/check.hpp included). Each round reads the
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

// One metrics file render for the runtime (used by the thread; exposed for tests).
std::string render_metrics(const Runtime& rt, ingest::Service& service);

}  // namespace postjournal::milter
