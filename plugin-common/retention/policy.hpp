// Which retention a delivery gets (README, Retention and legal hold): the tenant's policy (or
// retention.default), and of its rules that match, the one that keeps the mail longest (then the
// one with the longest minimum, then the first); a rule's keep and minimum replace the policy's,
// what it does not set is the policy's. keep unset anywhere: forever; minimum unset: none. Dates
// count from the delivery's receipt time, calendar-aware (util::add_calendar). The keep date is
// never before the minimum date. Pure functions; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "archive/delivery.hpp"
#include "archive/retention_store.hpp"
#include "config/config.hpp"

namespace postjournal::retention {

struct Decision {
  std::string policy;  // the tenant, or "default"
  std::string rule;    // empty: the policy's own values
  config::Period keep, minimum;
  util::TimeUs keep_until = 0;     // 0: forever
  util::TimeUs minimum_until = 0;  // 0: none
  std::vector<std::string> trace;  // per rule: whether it matched, and on what
};

// Whether the delivery matches a search query (the tenant's index); called only for rules that
// have one.
using QueryMatch = std::function<bool(const std::string& query)>;

// nullopt when neither the tenant nor retention.default has a policy (kept until a policy is
// applied).
std::optional<Decision> decide(const config::RetentionConfig& rc, const std::string& tenant,
                               const archive::Delivery& d, const QueryMatch& query_matches);

// Whether the tenant's policy has a rule with a query (then fixing waits for the index).
bool has_query_rules(const config::RetentionConfig& rc, const std::string& tenant);

// received + period; 0 for forever.
util::TimeUs until(util::TimeUs received, const config::Period& p);

archive::RetentionEntry to_entry(const Decision& d, util::TimeUs now);

// Whether an address matches a sender/recipient pattern (glob; without '@': the domain).
bool address_matches(const std::string& pattern, const std::string& address);

}  // namespace postjournal::retention
