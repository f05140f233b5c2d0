// The milter's periodic work, in one background thread: rewrite metrics.file every
// metrics.interval (metrics/metrics.hpp) and run the alert check every alerts.check_interval
// (state/alerts.hpp). Each round reads the current configuration snapshot, so a reload (SIGUSR1)
// applies to the next round. Failures are logged and retried next round; they never affect mail.
#pragma once

#include <string>

#include "runtime.hpp"

namespace postjournal::milter {

// Starts the thread (detached; it lives as long as the process). The first round runs at once.
void start_housekeeping();

// One metrics file render for the runtime (used by the thread; exposed for tests).
std::string render_metrics(const Runtime& rt);

}  // namespace postjournal::milter
