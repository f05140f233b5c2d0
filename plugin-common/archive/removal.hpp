// Removal of a delivery with an audit trail (see audit.hpp). Used by `postjournal delete` and
// `postjournal assign` on the No Tenant queue, and in tenant archives only by retention: purges
// and approved erasures (retention/engine.hpp).
//
// remove_delivery() runs in the caller's write transaction and either does everything or (on a
// throw, when the caller aborts) nothing: it deletes the record and its index entries, the content
// when no other delivery has the same bytes, each of its blobs when no remaining content uses it
// (format-2 blobs by their live count, O(1); format-1 blobs by a scan of the content list),
// writes a tombstone in the delivery's place, forgets its retention entry and appends `entry`
// (seq, delivery and content_sha256 are filled in) to the audit log. It refuses, whoever asks,
// a delivery under minimum retention at entry.time or pinned by a legal hold (RetentionLocked).
// Throws std::runtime_error when the delivery does not exist (naming the audit entry when it was
// removed before), LmdbError from LMDB.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

#include "archive/audit.hpp"
#include "archive/delivery.hpp"
#include "archive/lmdb_env.hpp"
#include "archive/verify.hpp"

namespace postjournal::archive {

struct RetentionLocked : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Delivery remove_delivery(Txn& txn, const Databases& dbs, const TenantId& tenant, std::uint64_t seq,
                         AuditEntry& entry);

// Appends `entry` to the audit log (its seq is set): in the caller's transaction, with the change
// it records.
void append_audit(Txn& txn, const Databases& dbs, AuditEntry& entry);

std::optional<Tombstone> load_tombstone(const Txn& txn, const Databases& dbs, std::uint64_t seq);

// The audit log in order. Entries that do not decode are skipped (verify_audit reports them).
std::vector<AuditEntry> read_audit(const Txn& txn, const Databases& dbs);
// One audit entry; nullopt when it does not exist or does not decode.
std::optional<AuditEntry> load_audit(const Txn& txn, const Databases& dbs, std::uint64_t seq);

// Checks the audit chain (numbering, decoding, links) and that every tombstone names an audit
// entry; adds problems to `report` and counts report.audit_entries.
void verify_audit(const Txn& txn, const Databases& dbs, VerifyReport& report);

}  // namespace postjournal::archive
