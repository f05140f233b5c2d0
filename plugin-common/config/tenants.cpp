#include "config/tenants.hpp"

#include <algorithm>

#include "archive/registry.hpp"

namespace postjournal::config {

std::vector<archive::TenantId> known_tenants(const Config& c, const std::string& root) {
  std::vector<archive::TenantId> out = archive::list_tenants(root);
  auto add = [&out](const std::string& name) {
    if (auto t = archive::TenantId::parse_any(name)) out.push_back(*t);
  };
  for (const auto& l : c.listeners) add(l.tenant);
  for (const auto& m : c.mailboxes) add(m.tenant);
  std::erase_if(out, [](const archive::TenantId& t) { return t.is_no_tenant(); });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.str() < b.str(); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool tenant_known(const Config& c, const std::string& root, const archive::TenantId& t) {
  auto all = known_tenants(c, root);
  return std::find(all.begin(), all.end(), t) != all.end();
}

}  // namespace postjournal::config
