// The tenants an operator may name: those with an archive under the root and those a listener
// or mailbox of the configuration delivers to (their archive may not exist yet). Used to refuse
// a typo when assigning from the No Tenant queue (CLI and web).
#pragma once

#include <string>
#include <vector>

#include "archive/tenant_id.hpp"
#include "config/config.hpp"

namespace postjournal::config {

// Sorted, without duplicates and without the No Tenant queue.
std::vector<archive::TenantId> known_tenants(const Config& c, const std::string& root);
bool tenant_known(const Config& c, const std::string& root, const archive::TenantId& t);

}  // namespace postjournal::config
