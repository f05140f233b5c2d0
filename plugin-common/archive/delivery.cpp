#include "archive/delivery.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace postjournal::archive {

std::string DeliveryId::str() const {
  return tenant.str() + ":" + std::to_string(seq);
}

std::optional<DeliveryId> DeliveryId::parse(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto tenant = TenantId::parse_any(text.substr(0, colon));
  unsigned long long seq = 0;
  if (!tenant || !util::parse_u64(text.substr(colon + 1), seq) || seq == 0) return std::nullopt;
  return DeliveryId{*tenant, seq};
}

std::vector<std::string> participants(const Delivery& d) {
  std::vector<std::string> out;
  auto add = [&out](std::string_view a) {
    if (!a.empty()) out.push_back(util::to_lower_ascii(a));
  };
  add(d.transport.mail_from);
  add(d.envelope.sender);
  add(d.envelope.on_behalf_of);
  for (const auto& r : d.envelope.recipients) {
    add(r.address);
    add(r.expanded_from);
    add(r.forwarded_from);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace postjournal::archive
