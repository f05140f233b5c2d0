#include "archive/tenant_id.hpp"

namespace postjournal::archive {

bool is_valid_tenant_id(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s[0])) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

std::optional<TenantId> TenantId::parse(std::string_view s) {
  if (!is_valid_tenant_id(s)) return std::nullopt;
  return TenantId(std::string(s));
}

std::optional<TenantId> TenantId::parse_any(std::string_view s) {
  if (s == kNoTenantName) return no_tenant();
  return parse(s);
}

}  // namespace postjournal::archive
