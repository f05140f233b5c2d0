// Who is asking and what he may read, for postjournal-web. An Identity comes from a local
// account (accounts.hpp) or from the identity header of the web server in front, mapped through
// web.roles; an authenticated name without a role there is no identity at all.
//
// The rules (README, Web):
//   operator  status, sources, the audit logs, the No Tenant queue (its deliveries in full, to
//             triage them); the mail of a tenant only when the tenant is listed in his tenants.
//   auditor   the mail of his tenants ("*": every tenant); with domains, only deliveries that
//             have a participant in one of them.
//   user      the deliveries of any tenant (or of his tenants, when listed) where one of his
//             addresses is a participant.
// "Participant" is the delivery's evidence, archive::participants(): journal sender and
// on-behalf-of, every envelope recipient (BCC and expanded members included), the lists they
// were expanded from, MAIL FROM — never a header field, which the sender writes. The search
// filter (participant: terms of the index) and the per-delivery check use this same set.
// Pure functions of their arguments; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "access/accounts.hpp"
#include "archive/delivery.hpp"
#include "archive/tenant_id.hpp"
#include "config/config.hpp"

namespace postjournal::access {

struct Identity {
  std::string name;
  config::Role role = config::Role::kUser;
  std::vector<std::string> tenants;    // "*": every tenant
  std::vector<std::string> domains;    // lower case
  std::vector<std::string> addresses;  // lower case
  std::string via;                     // "local" or "header"
};

Identity from_account(const Account& a);

// The identity web.roles gives `user` (the front door's name, compared exactly), with the
// addresses of the front door's address header added for a user role; nullopt when web.roles
// does not name him.
std::optional<Identity> from_header(const config::Config& c, const std::string& user,
                                    const std::string& addresses_header_value);

// Addresses in a header value like LDAP's mail / proxyAddresses: separated by commas, blanks or
// semicolons, "smtp:"/"SMTP:" prefixes dropped, lower case, only values with an '@'.
std::vector<std::string> parse_address_header(const std::string& value);

// Whether any mail of `tenant` can be visible to him (the tenant gate; the No Tenant queue is
// the operator's).
bool may_read_tenant(const Identity& who, const archive::TenantId& tenant);
// The full check for one delivery.
bool may_read(const Identity& who, const archive::TenantId& tenant, const archive::Delivery& d);
// The query (in the search language) that narrows a tenant's search to what he may read, or
// "" when he reads the whole tenant. Only meaningful when may_read_tenant is true; a user
// without addresses gets a filter that matches nothing.
std::string search_filter(const Identity& who);
bool may_operate(const Identity& who);                                 // status, No Tenant
bool may_read_audit(const Identity& who, const archive::TenantId& t);  // operator, auditor
// Retention and legal holds: operators and auditors of the tenant see them; placing and
// releasing holds is for auditors of the tenant whose reach is the whole tenant (no domain
// limit), the legal side of the archive.
bool may_see_retention(const Identity& who, const archive::TenantId& t);
bool may_hold(const Identity& who, const archive::TenantId& t);

}  // namespace postjournal::access
