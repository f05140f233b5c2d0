#include "retention/policy.hpp"

#include "util/strings.hpp"

namespace postjournal::retention {

namespace {

std::string sender_of(const archive::Delivery& d) {
  return d.envelope.sender.empty() ? d.transport.mail_from : d.envelope.sender;
}

// The recipients of the original: the journal envelope's (BCC and expanded members included);
// for a copy without one, the SMTP recipients.
std::vector<std::string> recipients_of(const archive::Delivery& d) {
  std::vector<std::string> out;
  for (const auto& r : d.envelope.recipients) {
    out.push_back(r.address);
    if (!r.expanded_from.empty()) out.push_back(r.expanded_from);
  }
  if (out.empty()) out = d.transport.rcpt_to;
  return out;
}

// "forever" sorts after every date.
util::TimeUs later_key(util::TimeUs t) {
  return t == 0 ? INT64_MAX : t;
}

bool rule_matches(const config::RetentionRule& r, const archive::Delivery& d,
                  const QueryMatch& query_matches, std::string& why) {
  const auto& m = r.match;
  if (!m.source.empty() && !util::glob_match_icase(m.source, d.transport.source)) {
    why = "source " + d.transport.source + " is not " + m.source;
    return false;
  }
  if (!m.sender.empty() && !address_matches(m.sender, sender_of(d))) {
    why = "sender " + sender_of(d) + " is not " + m.sender;
    return false;
  }
  if (!m.recipient.empty()) {
    bool any = false;
    for (const auto& a : recipients_of(d)) any = any || address_matches(m.recipient, a);
    if (!any) {
      why = "no recipient is " + m.recipient;
      return false;
    }
  }
  if (!m.query.empty() && !(query_matches && query_matches(m.query))) {
    why = "query " + m.query + " does not match";
    return false;
  }
  why = "matches";
  return true;
}

}  // namespace

bool address_matches(const std::string& pattern, const std::string& address) {
  if (pattern.find('@') != std::string::npos) return util::glob_match_icase(pattern, address);
  auto at = address.rfind('@');
  return at != std::string::npos && util::glob_match_icase(pattern, address.substr(at + 1));
}

util::TimeUs until(util::TimeUs received, const config::Period& p) {
  if (p.forever) return 0;
  int n = static_cast<int>(p.count);
  switch (p.unit) {
    case 'y':
      return util::add_calendar(received, n, 0, 0);
    case 'm':
      return util::add_calendar(received, 0, n, 0);
    default:
      return util::add_calendar(received, 0, 0, n);
  }
}

bool has_query_rules(const config::RetentionConfig& rc, const std::string& tenant) {
  const auto* p = rc.policy_for(tenant);
  if (p == nullptr) return false;
  for (const auto& r : p->rules) {
    if (!r.match.query.empty()) return true;
  }
  return false;
}

std::optional<Decision> decide(const config::RetentionConfig& rc, const std::string& tenant,
                               const archive::Delivery& d, const QueryMatch& query_matches) {
  const auto* p = rc.policy_for(tenant);
  if (p == nullptr) return std::nullopt;
  const config::Period forever{true, 0, 'd'}, none{false, 0, 'd'};
  auto make = [&](const std::string& rule, const std::optional<config::Period>& keep,
                  const std::optional<config::Period>& minimum) {
    Decision x;
    x.policy = p->tenant.empty() ? "default" : p->tenant;
    x.rule = rule;
    x.keep = keep ? *keep : p->keep ? *p->keep : forever;
    x.minimum = minimum ? *minimum : p->minimum ? *p->minimum : none;
    x.keep_until = until(d.transport.received, x.keep);
    x.minimum_until =
        x.minimum.count == 0 && !x.minimum.forever ? 0 : until(d.transport.received, x.minimum);
    if (x.minimum.forever) x.minimum_until = INT64_MAX;
    if (x.keep_until != 0 && x.minimum_until != 0 && x.keep_until < x.minimum_until) {
      x.keep_until = x.minimum_until;
    }
    return x;
  };
  Decision best = make("", std::nullopt, std::nullopt);
  bool matched = false;
  std::vector<std::string> trace;
  for (const auto& r : p->rules) {
    std::string why;
    bool ok = rule_matches(r, d, query_matches, why);
    trace.push_back("rule " + r.name + ": " + why);
    if (!ok) continue;
    Decision x = make(r.name, r.keep, r.minimum);
    bool better = !matched || later_key(x.keep_until) > later_key(best.keep_until) ||
                  (later_key(x.keep_until) == later_key(best.keep_until) &&
                   x.minimum_until > best.minimum_until);
    if (better) best = std::move(x);
    matched = true;
  }
  best.trace = std::move(trace);
  return best;
}

archive::RetentionEntry to_entry(const Decision& d, util::TimeUs now) {
  archive::RetentionEntry e;
  e.policy = d.policy;
  e.rule = d.rule;
  e.keep = d.keep.text();
  e.minimum = d.minimum.text();
  e.keep_until = d.keep_until;
  e.minimum_until = d.minimum_until;
  e.fixed_at = now;
  return e;
}

}  // namespace postjournal::retention
