// Triage of the No Tenant queue, shared by `postjournal queue|assign|delete` and the web's
// /queue page: why a delivery is queued, and assign = copy into a tenant's archive, then remove
// from the queue with an audit entry (removal.hpp). Tenant archives are never edited here.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "archive/audit.hpp"
#include "archive/delivery.hpp"
#include "archive/tenant_archive.hpp"

namespace postjournal::archive {

// The resolver's "unassigned:" anomaly, "imported without a tenant" for imports, else "".
std::string unassigned_reason(const Delivery& d);
// The journal envelope's recipients, or the SMTP recipients when the envelope has none.
std::vector<std::string> queued_recipients(const Delivery& d);

struct AssignError : std::runtime_error {
  enum class Kind { kNoDelivery, kContentMissing, kStoreFailed };
  AssignError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
  Kind kind;
};

// Moves delivery `seq` of `queue` (the No Tenant archive) into `to`: stores a copy (its
// assigned_from = the queue id) unless an interrupted earlier assign already did — so it is safe
// to repeat after a crash between the copy and the removal — then removes it from the queue with
// `entry` (action "assign"; moved_to, seq, delivery and content hash are filled in). Throws
// AssignError, std::runtime_error from remove(), LmdbError.
AuditEntry assign_delivery(TenantArchive& queue, std::uint64_t seq, TenantArchive& to,
                           AuditEntry entry);

// One syslog line (facility mail, through util::log) per assign or delete, for operators who grep
// the mail log: "audit: entry=N user=U action=A delivery=ID [moved_to=ID] sha256=H reason=R".
void log_triage(const AuditEntry& e);

}  // namespace postjournal::archive
