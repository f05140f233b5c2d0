// Tenant identifiers: the only names ever used as archive directory names.
// A tenant id matches [a-z0-9][a-z0-9-]{0,62}. The No Tenant queue has the reserved name
// "_no-tenant", which no tenant id can spell. Anything else is refused, so a tenant id can never
// become "..", an absolute path or contain a NUL. Value type, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace postjournal::archive {

inline constexpr std::string_view kNoTenantName = "_no-tenant";

bool is_valid_tenant_id(std::string_view s);

class TenantId {
 public:
  // A configured tenant; nullopt unless is_valid_tenant_id(s).
  static std::optional<TenantId> parse(std::string_view s);
  // A tenant or the No Tenant queue (as found in a directory name or a delivery id).
  static std::optional<TenantId> parse_any(std::string_view s);
  static TenantId no_tenant() { return TenantId(std::string(kNoTenantName)); }

  bool is_no_tenant() const { return name_ == kNoTenantName; }
  const std::string& str() const { return name_; }
  bool operator==(const TenantId&) const = default;
  auto operator<=>(const TenantId&) const = default;

 private:
  explicit TenantId(std::string n) : name_(std::move(n)) {}
  std::string name_;
};

}  // namespace postjournal::archive
