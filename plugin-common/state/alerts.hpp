// Inactivity alerts. A source (listener or mailbox) enters an alert episode when its health
// becomes INACTIVE or FAILING (state/status.hpp) and leaves it when it is OK again (or DISABLED,
// silently). Each episode gives one alert and one recovery: the episode is recorded in the source
// state (SourceState::alerted), so a restart of the milter does not alert twice. NEVER is not an
// alert (a new source has simply not been used yet).
//
// check_alerts() is called by the milter's periodic check (alerts.check_interval). For each
// transition it logs a warning (alert) or a notice (recovery) and, with alerts.email set, sends a
// mail through alerts.sendmail (split on blanks, run without a shell, with "-i RECIPIENT"; the
// message has no From header: sendmail adds the sender). An episode is recorded only when its
// mail went out (or no mail is configured), so a failed sendmail is retried at the next check.
// Not thread-safe across callers: one check at a time.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "state/source_state.hpp"
#include "state/status.hpp"

namespace postjournal::state {

struct AlertEvent {
  bool recovery = false;
  SourceStatus source;
};

// The transitions to report now, given the rows of evaluate() (whose states hold `alerted`).
std::vector<AlertEvent> pending_alerts(const std::vector<SourceStatus>& rows);

// The alert or recovery mail (RFC 5322, CRLF line ends).
std::string alert_mail(const AlertEvent& e, const std::string& to, const std::string& host,
                       util::TimeUs now);

struct AlertOutcome {
  std::size_t alerts = 0;
  std::size_t recoveries = 0;
  std::size_t failed = 0;  // mails sendmail did not accept (retried next time)
};

// `extra`: rows of other kinds evaluated by their owners (the timestamp:<tenant> rows of
// stamp/check.hpp), alerted the same way; their state must come from `store`.
AlertOutcome check_alerts(const config::Config& c, StateStore& store, util::TimeUs now,
                          const std::vector<SourceStatus>& extra = {});

}  // namespace postjournal::state
