#include "state/alerts.hpp"

#include <unistd.h>

#include "util/log.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace postjournal::state {

namespace {

bool is_problem(Health h) {
  return h == Health::kInactive || h == Health::kFailing;
}

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::string describe(const SourceStatus& s) {
  return s.kind + " " + s.name + " (tenant " + s.tenant + ")";
}

std::string problem_line(const SourceStatus& s) {
  if (s.health == Health::kFailing)
    return "its latest attempt failed: " + s.state.last_failure_reason;
  return "no message archived for more than " + std::to_string(s.allowed_inactivity_hours) +
         " hours (last: " + util::format_iso8601(s.state.last_message) + ")";
}

}  // namespace

std::vector<AlertEvent> pending_alerts(const std::vector<SourceStatus>& rows) {
  std::vector<AlertEvent> out;
  for (const auto& r : rows) {
    if (is_problem(r.health) && r.state.alerted == 0) out.push_back({false, r});
    if (r.state.alerted != 0 && (r.health == Health::kOk || r.health == Health::kDisabled)) {
      out.push_back({true, r});
    }
  }
  return out;
}

std::string alert_mail(const AlertEvent& e, const std::string& to, const std::string& host,
                       util::TimeUs now) {
  const SourceStatus& s = e.source;
  std::string subject =
      e.recovery ? "[postjournal] RECOVERED: " + describe(s)
                 : std::string("[postjournal] ") + to_string(s.health) + ": " + describe(s);
  std::string m;
  m += "To: " + to + "\r\n";
  m += "Subject: " + subject + "\r\n";
  m += "Date: " + util::format_rfc5322(now) + "\r\n";
  m += "Message-ID: <postjournal." + std::to_string(now) + "." + s.name + "@" + host + ">\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  bool stamps = s.kind == "timestamp";  // a tenant's RFC 3161 stamps (stamp/check.hpp)
  if (e.recovery) {
    m += "The " + describe(s) + (stamps ? " is up to date again" : " delivers again") + ".\r\n\r\n";
  } else if (stamps) {
    m += "The " + describe(s) + " is " + to_string(s.health) + ": " + s.state.last_failure_reason +
         ".\r\n\r\nArchiving goes on; the next stamp that succeeds covers everything since the "
         "last one (`postjournal timestamp` takes one at once).\r\n\r\n";
  } else {
    m += "The " + describe(s) + " is " + to_string(s.health) + ": " + problem_line(s) +
         ".\r\n\r\nJournal reports that cannot be delivered are retried by the sender for a "
         "limited time (Exchange Online: two days) and then dropped.\r\n\r\n";
  }
  m += "source:        " + s.name + " (" + s.kind + ", " + s.type + ")\r\n";
  m += "tenant:        " + s.tenant + "\r\n";
  m += "state:         " + std::string(to_string(s.health)) + "\r\n";
  m += "last message:  " +
       (s.state.last_message ? util::format_iso8601(s.state.last_message) + " " + s.state.last_id
                             : std::string("never")) +
       "\r\n";
  m += "allowed gap:   " + std::to_string(s.allowed_inactivity_hours) + " hours\r\n";
  if (!s.state.last_failure_reason.empty()) {
    m += "last failure:  " + util::format_iso8601(s.state.last_failure) + " " +
         s.state.last_failure_reason + "\r\n";
  }
  m += "checked at:    " + util::format_iso8601(now) + " on " + host + "\r\n\r\n";
  m += "Run `postjournal status` on " + host + " for every source.\r\n";
  return m;
}

AlertOutcome check_alerts(const config::Config& c, StateStore& store, util::TimeUs now,
                          const std::vector<SourceStatus>& extra) {
  AlertOutcome outcome;
  auto rows = evaluate(c, store.all(), now);
  rows.insert(rows.end(), extra.begin(), extra.end());
  std::string host = hostname();
  for (const auto& e : pending_alerts(rows)) {
    const SourceStatus& s = e.source;
    if (e.recovery && s.health == Health::kDisabled) {
      store.update(s.name, [](SourceState& st) { st.alerted = 0; });
      continue;
    }
    util::log(e.recovery ? util::LogLevel::kInfo : util::LogLevel::kWarning,
              e.recovery ? "alert: recovered source=" + s.name + " tenant=" + s.tenant
                         : std::string("alert: ") + to_string(s.health) + " source=" + s.name +
                               " tenant=" + s.tenant + " reason=" + problem_line(s));
    if (!c.alerts_email.empty()) {
      std::vector<std::string> argv = util::split_blanks(c.alerts_sendmail);
      argv.push_back("-i");
      argv.push_back(c.alerts_email);
      int rc = util::run_with_input(argv, alert_mail(e, c.alerts_email, host, now));
      if (rc != 0) {
        util::log(util::LogLevel::kError, "alert: " + c.alerts_sendmail + " exited " +
                                              std::to_string(rc) + " source=" + s.name +
                                              "; will retry at the next check");
        ++outcome.failed;
        continue;
      }
    }
    store.update(s.name, [&](SourceState& st) { st.alerted = e.recovery ? 0 : now; });
    ++(e.recovery ? outcome.recoveries : outcome.alerts);
  }
  return outcome;
}

}  // namespace postjournal::state
