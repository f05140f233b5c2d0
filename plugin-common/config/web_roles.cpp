#include "config/web_roles.hpp"

#include <map>

#include "archive/tenant_id.hpp"
#include "config/retention.hpp"
#include "util/strings.hpp"

namespace postjournal::config {

std::string_view to_string(Role r) {
  switch (r) {
    case Role::kOperator:
      return "operator";
    case Role::kAuditor:
      return "auditor";
    case Role::kUser:
      return "user";
  }
  return "user";
}

bool parse_role(std::string_view text, Role& out) {
  for (Role r : {Role::kOperator, Role::kAuditor, Role::kUser}) {
    if (text == to_string(r)) {
      out = r;
      return true;
    }
  }
  return false;
}

namespace {

std::vector<std::string> strings(const YAML::Node& n, const std::string& file,
                                 const std::string& key) {
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const auto& v : n) {
      if (!v.IsScalar()) fail(file, v.Mark(), key + " must be a list of values");
      out.push_back(v.Scalar());
    }
  } else if (!n.IsNull()) {
    fail(file, n.Mark(), key + " must be a list of values");
  }
  for (const auto& v : out) {
    if (v.empty()) fail(file, n.Mark(), key + " must not hold an empty value");
  }
  return out;
}

WebRole load_role(const YAML::Node& n, const std::string& file) {
  if (!n.IsMap()) fail(file, n.Mark(), "a web role must be a mapping (user, role, ...)");
  WebRole r;
  r.line = n.Mark().line + 1;
  bool has_role = false;
  for (const auto& kv : n) {
    std::string k = kv.first.Scalar();
    if (k == "user") {
      if (!kv.second.IsScalar() || kv.second.Scalar().empty())
        fail(file, kv.second.Mark(), "web.roles: user must be a name");
      r.user = kv.second.Scalar();
    } else if (k == "role") {
      std::string v = kv.second.IsScalar() ? kv.second.Scalar() : "";
      if (!parse_role(v, r.role))
        fail(file, kv.second.Mark(),
             "web.roles: role '" + v + "' is not operator, auditor or user");
      has_role = true;
    } else if (k == "tenants") {
      r.tenants = strings(kv.second, file, "web.roles: tenants");
      for (const auto& t : r.tenants) {
        if (t != "*" && !archive::TenantId::parse(t))
          fail(file, kv.second.Mark(), "web.roles: '" + t + "' is not a tenant id (or *)");
      }
    } else if (k == "domains") {
      r.domains = strings(kv.second, file, "web.roles: domains");
      for (auto& d : r.domains) d = util::to_lower_ascii(d);
    } else if (k == "addresses") {
      r.addresses = strings(kv.second, file, "web.roles: addresses");
      for (auto& a : r.addresses) {
        if (a.find('@') == std::string::npos)
          fail(file, kv.second.Mark(), "web.roles: '" + a + "' is not a mail address");
        a = util::to_lower_ascii(a);
      }
    } else {
      fail(file, kv.first.Mark(),
           "web.roles: unknown key '" + k + "' (user, role, tenants, domains, addresses)");
    }
  }
  if (r.user.empty()) fail(file, n.Mark(), "a web role needs a user");
  if (!has_role) fail(file, n.Mark(), "web role of '" + r.user + "' needs a role");
  if (r.role == Role::kAuditor && r.tenants.empty())
    fail(file, n.Mark(), "auditor '" + r.user + "' needs tenants (or tenants: ['*'])");
  if (r.role != Role::kAuditor && !r.domains.empty())
    fail(file, n.Mark(), "domains limit an auditor only ('" + r.user + "' is not one)");
  if (r.role != Role::kUser && !r.addresses.empty())
    fail(file, n.Mark(), "addresses belong to a user role ('" + r.user + "' is not one)");
  return r;
}

std::string list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (const auto& s : v) out += (out.size() > 1 ? ", " : "") + ("\"" + s + "\"");
  return out + "]";
}

}  // namespace

std::vector<WebRole> load_web_roles(const YAML::Node& n, const std::string& file) {
  std::vector<WebRole> out;
  if (n.IsNull()) return out;
  if (!n.IsSequence()) fail(file, n.Mark(), "web.roles must be a list of mappings");
  std::map<std::string, int> seen;
  for (const auto& e : n) {
    WebRole r = load_role(e, file);
    if (auto [it, fresh] = seen.emplace(r.user, r.line); !fresh) {
      fail(file, e.Mark(),
           "web.roles: '" + r.user + "' is already given a role at line " +
               std::to_string(it->second));
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string render_web_roles(const std::vector<WebRole>& roles) {
  if (roles.empty()) return "web.roles: []\n";
  std::string out = "web.roles:\n";
  for (const auto& r : roles) {
    out += "  - user: \"" + r.user + "\"\n    role: " + std::string(to_string(r.role)) + "\n";
    if (!r.tenants.empty()) out += "    tenants: " + list(r.tenants) + "\n";
    if (!r.domains.empty()) out += "    domains: " + list(r.domains) + "\n";
    if (!r.addresses.empty()) out += "    addresses: " + list(r.addresses) + "\n";
  }
  return out;
}

std::string sample_web_roles() {
  return "# web.roles: what identities authenticated by the web server in front "
         "(web.trusted_header)\n"
         "# may read (README, Web). role: operator (status, sources, No Tenant triage, audit log;\n"
         "# the mail of `tenants` only when listed), auditor (the mail of `tenants`, optionally\n"
         "# only deliveries with a participant in one of `domains`) or user (deliveries where one\n"
         "# of his `addresses` - or those of web.addresses_header - is a participant: journal\n"
         "# sender or recipient, BCC and expanded members included). Local accounts are kept by\n"
         "# `postjournal user` instead.\n"
         "#\n"
         "# web.roles:\n"
         "#   - {user: compliance@acme.example, role: auditor, tenants: [acme]}\n"
         "#   - {user: helpdesk, role: operator}\n"
         "#   - {user: alice@acme.example, role: user, addresses: [alice@acme.example]}\n"
         "web.roles: []\n";
}

}  // namespace postjournal::config
