// The health of every configured mail source at a given time, as `postjournal status` shows it
// and the milter's alert check uses it. Pure: evaluates configuration + recorded state.
//   DISABLED  the listener or mailbox is not active (never an alert)
//   FAILING   its latest attempt failed (milter tempfail, failed pull) within the last 24 h
//   INACTIVE  it has delivered before, but not for more than allowed_inactivity_hours
//   NEVER     nothing was ever archived from it
//   OK        otherwise
// Exit status in the monitoring-plugin convention: 2 when any source is FAILING or INACTIVE,
// 1 when any is NEVER or the No Tenant queue is not empty, else 0.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "state/source_state.hpp"

namespace postjournal::state {

enum class Health { kOk, kNever, kInactive, kFailing, kDisabled };
const char* to_string(Health h);

struct SourceStatus {
  std::string name;
  std::string kind;  // listener | mailbox | microsoft365
  std::string tenant;
  bool active = true;
  std::string type;  // journaling | forward | import (microsoft365)
  std::uint64_t allowed_inactivity_hours = 0;
  SourceState state;
  std::uint64_t last_24h = 0;
  Health health = Health::kOk;
};

std::vector<SourceStatus> evaluate(const config::Config& c,
                                   const std::map<std::string, SourceState>& states,
                                   util::TimeUs now);

int status_exit_code(const std::vector<SourceStatus>& rows, std::uint64_t no_tenant_queue);

}  // namespace postjournal::state
