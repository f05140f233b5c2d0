#include "tenant/resolver.hpp"

#include <tuple>

#include "util/cidr.hpp"
#include "util/strings.hpp"

namespace postjournal::tenant {

namespace {

using config::AuthMethod;
using config::Listener;

constexpr std::string_view kValidationSender = "o365connectorvalidation";

int method_rank(AuthMethod m) {
  switch (m) {
    case AuthMethod::kSmtp:
      return 4;
    case AuthMethod::kIpDomain:
      return 3;
    case AuthMethod::kIp:
      return 2;
    case AuthMethod::kSpf:
      return 1;
  }
  return 0;
}

// Longest prefix of the listener's networks that contains ip, or -1.
int best_prefix(const Listener& l, const std::optional<util::IpAddress>& ip) {
  int best = -1;
  if (!ip) return best;
  for (const auto& c : l.ips) {
    if (c.contains(*ip) && static_cast<int>(c.prefix) > best) best = static_cast<int>(c.prefix);
  }
  return best;
}

std::string local_part(std::string_view address) {
  auto at = address.rfind('@');
  return util::to_lower_ascii(at == std::string_view::npos ? address : address.substr(0, at));
}

}  // namespace

std::string_view to_string(Verdict v) {
  static constexpr std::string_view kNames[] = {"accept", "unassigned", "reject", "tempfail",
                                                "split"};
  return kNames[static_cast<int>(v)];
}

std::string domain_of(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string d = util::to_lower_ascii(util::trim(address.substr(at + 1)));
  while (!d.empty() && (d.back() == '>' || d.back() == '.')) d.pop_back();
  return d;
}

Resolver::Resolver(std::shared_ptr<const config::Config> config, std::shared_ptr<SpfChecker> spf)
    : config_(std::move(config)), spf_(std::move(spf)) {}

SpfResult Transaction::spf_result() {
  if (!spf_) {
    spf_ = resolver_->spf_->check(facts_.client_ip, facts_.mail_from, facts_.helo);
  }
  return *spf_;
}

Decision Resolver::decide(const SessionFacts& f, const std::string& rcpt, Transaction& t) const {
  Decision d;
  if (local_part(f.mail_from) == kValidationSender) {
    d.verdict = Verdict::kUnassigned;
    d.connector_validation = true;
    d.reason = "Microsoft 365 connector validation mail (always accepted into No Tenant)";
    return d;
  }
  auto ip = util::IpAddress::parse(f.client_ip);
  std::string rcpt_l = util::to_lower_ascii(rcpt);
  std::string rcpt_domain = domain_of(rcpt);
  std::string sender_domain = domain_of(f.mail_from);
  const Listener* best = nullptr;
  std::tuple<int, int, int, int> best_rank{};
  std::string tempfail_reason;
  for (std::size_t i = 0; i < config_->listeners.size(); ++i) {
    const Listener& l = config_->listeners[i];
    ListenerCheck c{l.name, false, {}};
    int prefix = -1;
    if (!l.active) {
      c.why = "inactive";
    } else if (!l.recipient.empty() && rcpt_l != l.recipient) {
      c.why = "RCPT TO " + rcpt + " is not the listener's journal address";
    } else {
      switch (l.method) {
        case AuthMethod::kSmtp:
          c.matched = !f.sasl_login.empty() && f.sasl_login == l.username;
          c.why = f.sasl_login.empty() ? "not authenticated (no SASL login)"
                  : c.matched          ? "SASL login " + f.sasl_login
                                       : "SASL login " + f.sasl_login + " is not " + l.username;
          break;
        case AuthMethod::kIp:
        case AuthMethod::kIpDomain:
          prefix = best_prefix(l, ip);
          if (prefix < 0) {
            c.why = "client " + f.client_ip + " is not in auth.ips";
          } else if (l.method == AuthMethod::kIpDomain && rcpt_domain != l.domain) {
            c.why = "recipient domain " + rcpt_domain + " is not " + l.domain;
          } else {
            c.matched = true;
            c.why =
                "client " + f.client_ip + " in a /" + std::to_string(prefix) + " of auth.ips" +
                (l.method == AuthMethod::kIpDomain ? " and recipient domain " + rcpt_domain : "");
          }
          break;
        case AuthMethod::kSpf:
          if (sender_domain != l.domain) {
            c.why = "sender domain " + (sender_domain.empty() ? "(none)" : sender_domain) +
                    " is not " + l.domain;
          } else {
            SpfResult r = t.spf_result();
            c.matched = r == SpfResult::kPass;
            c.why = "SPF " + std::string(to_string(r)) + " for " + sender_domain;
            if (r == SpfResult::kTempError && tempfail_reason.empty()) {
              tempfail_reason = "SPF temperror for " + sender_domain + " (listener " + l.name +
                                "): the sender should retry";
            }
          }
          break;
      }
    }
    if (c.matched) {
      auto rank = std::make_tuple(method_rank(l.method), l.recipient.empty() ? 0 : 1, prefix,
                                  -static_cast<int>(i));
      if (best == nullptr || rank > best_rank) {
        best = &l;
        best_rank = rank;
      }
    }
    d.checks.push_back(std::move(c));
  }
  if (best != nullptr) {
    d.verdict = Verdict::kAccept;
    d.listener = best->name;
    d.tenant = best->tenant;
    d.after_archive = best->after_archive;
    d.trust_journal = best->type == config::SourceType::kJournaling;
    d.reason = "listener " + best->name + " (" + std::string(config::to_string(best->method)) + ")";
  } else if (!tempfail_reason.empty()) {
    d.verdict = Verdict::kTempfail;
    d.reason = tempfail_reason;
  } else if (config_->unassigned == config::Unassigned::kReject) {
    d.verdict = Verdict::kReject;
    d.reason = "no listener matches and unassigned mail is rejected";
  } else {
    d.verdict = Verdict::kUnassigned;
    d.reason = "no listener matches";
  }
  return d;
}

Decision Transaction::rcpt(const std::string& rcpt) {
  Decision d = resolver_->decide(facts_, rcpt, *this);
  last_ = d;
  bool settles = d.verdict == Verdict::kAccept || d.verdict == Verdict::kUnassigned;
  if (!settles) return d;
  if (!first_) {
    first_ = d;
    return d;
  }
  if (first_->verdict != d.verdict || first_->tenant != d.tenant) {
    Decision split = d;
    split.verdict = Verdict::kSplit;
    split.reason =
        "recipient resolves to " +
        (d.tenant.empty() ? std::string("No Tenant") : "tenant " + d.tenant) +
        ", the transaction to " +
        (first_->tenant.empty() ? std::string("No Tenant") : "tenant " + first_->tenant) +
        ": send it in its own transaction";
    return split;
  }
  return d;
}

bool is_resolver_header(std::string_view name) {
  return util::iequals_ascii(name, "X-OriginatorOrg") ||
         util::iequals_ascii(name, "X-MS-Exchange-CrossTenant-Id");
}

Decision Transaction::finish(const HeaderList& headers) const {
  if (!first_) {
    if (last_) return *last_;  // no recipient settled: the (tempfail or reject) answer stands
    Decision none;
    none.verdict = Verdict::kReject;
    none.reason = "no recipient was given";
    return none;
  }
  Decision d = *first_;
  if (d.verdict != Verdict::kAccept) return d;
  const Listener* l = nullptr;
  for (const auto& candidate : resolver_->config().listeners) {
    if (candidate.name == d.listener) l = &candidate;
  }
  if (l == nullptr || l->microsoft_tenant.empty()) return d;
  std::vector<std::string> seen;
  bool match = false;
  for (const auto& [name, value] : headers) {
    if (!is_resolver_header(name)) continue;
    std::string v = util::to_lower_ascii(util::trim(value));
    seen.push_back(name + "=" + v);
    match = match || v == util::to_lower_ascii(l->microsoft_tenant);
  }
  if (seen.empty() || match) {
    d.checks.push_back({l->name, true,
                        seen.empty() ? "no Microsoft tenant headers to compare"
                                     : "Microsoft tenant " + l->microsoft_tenant + " confirmed"});
    return d;
  }
  std::string evidence;
  for (const auto& s : seen) evidence += (evidence.empty() ? "" : ", ") + s;
  d.checks.push_back({l->name, false, "Microsoft tenant mismatch: " + evidence});
  d.verdict = resolver_->config().unassigned == config::Unassigned::kReject ? Verdict::kReject
                                                                            : Verdict::kUnassigned;
  d.reason = "listener " + l->name + " requires Microsoft tenant " + l->microsoft_tenant +
             " but the message says " + evidence;
  d.listener.clear();
  d.tenant.clear();
  d.trust_journal = false;
  return d;
}

}  // namespace postjournal::tenant
