#include "access/identity.hpp"

#include <algorithm>

#include "index/query.hpp"
#include "util/strings.hpp"

namespace postjournal::access {

namespace {

bool lists(const std::vector<std::string>& tenants, const archive::TenantId& t) {
  return std::any_of(tenants.begin(), tenants.end(),
                     [&](const std::string& x) { return x == "*" || x == t.str(); });
}

bool domain_of(const std::string& address, const std::string& domain) {
  auto at = address.rfind('@');
  return at != std::string::npos && address.substr(at + 1) == domain;
}

}  // namespace

Identity from_account(const Account& a) {
  return {a.name, a.role, a.tenants, a.domains, a.addresses, "local"};
}

std::vector<std::string> parse_address_header(const std::string& value) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::string v = util::to_lower_ascii(cur);
    if (v.rfind("smtp:", 0) == 0) v = v.substr(5);
    if (v.find('@') != std::string::npos && v.front() != '@' && v.back() != '@') out.push_back(v);
    cur.clear();
  };
  for (char c : value) {
    if (c == ',' || c == ';' || c == ' ' || c == '\t') {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<Identity> from_header(const config::Config& c, const std::string& user,
                                    const std::string& addresses_header_value) {
  if (user.empty()) return std::nullopt;
  for (const auto& r : c.web_roles) {
    if (r.user != user) continue;
    Identity i{user, r.role, r.tenants, r.domains, r.addresses, "header"};
    if (r.role == config::Role::kUser) {
      for (auto& a : parse_address_header(addresses_header_value)) i.addresses.push_back(a);
      std::sort(i.addresses.begin(), i.addresses.end());
      i.addresses.erase(std::unique(i.addresses.begin(), i.addresses.end()), i.addresses.end());
    }
    return i;
  }
  return std::nullopt;
}

bool may_read_tenant(const Identity& who, const archive::TenantId& tenant) {
  switch (who.role) {
    case config::Role::kOperator:
      return tenant.is_no_tenant() || lists(who.tenants, tenant);
    case config::Role::kAuditor:
      return !tenant.is_no_tenant() && lists(who.tenants, tenant);
    case config::Role::kUser:
      return !tenant.is_no_tenant() && (who.tenants.empty() || lists(who.tenants, tenant));
  }
  return false;
}

bool may_read(const Identity& who, const archive::TenantId& tenant, const archive::Delivery& d) {
  if (!may_read_tenant(who, tenant)) return false;
  auto parts = archive::participants(d);
  if (who.role == config::Role::kAuditor && !who.domains.empty()) {
    return std::any_of(parts.begin(), parts.end(), [&](const std::string& p) {
      return std::any_of(who.domains.begin(), who.domains.end(),
                         [&](const std::string& dom) { return domain_of(p, dom); });
    });
  }
  if (who.role == config::Role::kUser) {
    return std::any_of(parts.begin(), parts.end(), [&](const std::string& p) {
      return std::find(who.addresses.begin(), who.addresses.end(), p) != who.addresses.end();
    });
  }
  return true;
}

std::string search_filter(const Identity& who) {
  std::vector<std::string> terms;
  if (who.role == config::Role::kAuditor) {
    for (const auto& d : who.domains) terms.push_back("participant:" + index::quote_value("@" + d));
  } else if (who.role == config::Role::kUser) {
    for (const auto& a : who.addresses) terms.push_back("participant:" + index::quote_value(a));
    if (terms.empty()) return "participant:\"nobody@invalid.\"";
  }
  std::string out;
  for (const auto& t : terms) out += (out.empty() ? "" : " OR ") + t;
  return out;
}

bool may_operate(const Identity& who) {
  return who.role == config::Role::kOperator;
}

bool may_read_audit(const Identity& who, const archive::TenantId& t) {
  if (who.role == config::Role::kOperator) return true;
  return who.role == config::Role::kAuditor && lists(who.tenants, t);
}

bool may_see_retention(const Identity& who, const archive::TenantId& t) {
  return may_read_audit(who, t);
}

bool may_hold(const Identity& who, const archive::TenantId& t) {
  return who.role == config::Role::kAuditor && lists(who.tenants, t) && who.domains.empty();
}

}  // namespace postjournal::access
