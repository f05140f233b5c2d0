// The audit trail of an archive: every removal of a delivery (`postjournal delete`, `postjournal
// assign`, which moves a No Tenant delivery into a tenant, and retention's purges and erasures)
// writes, in the same LMDB transaction as the removal, one append-only audit entry and a
// tombstone in place of the delivery. Retention also records its other changes here (holds,
// `retention apply`, erasure requests and approvals: retention_store.hpp), without tombstones.
//
// Audit entries are numbered 1, 2, 3 ... and hash-chained like deliveries:
// link(n) = SHA-256(link(n-1) || SHA-256(encoded entry)), link(0) = 32 zero bytes; the stored value
// is link || encoded entry. A tombstone keeps the removed delivery's chain digest
// (delivery_digest(record, content sha)), so the delivery chain still verifies link by link after
// a removal, and names the audit entry that explains it. Codecs never trust their input: decoding
// returns nullopt on anything malformed. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/sha256.hpp"
#include "util/time.hpp"

namespace postjournal::archive {

struct AuditEntry {
  std::uint64_t seq = 0;  // assigned when appended
  util::TimeUs time = 0;
  std::string user;  // who ran the command ("root", "root (sudo by alice)")
  // "delete", "assign"; retention: "purge", "purge-run", "retention-fix", "retention-apply",
  // "hold-create", "hold-release", "erase-request", "erase", "erase-approve"
  std::string action;
  std::string delivery;  // the removed delivery's id ("_no-tenant:7")
  std::string moved_to;  // assign: the new delivery's id ("acme:43"); empty for delete
  util::Digest content_sha256{};
  std::string reason;
  // Structured facts of retention actions ("policy=acme rule=legal keep_until=..."); encoded only
  // when set, so entries written before it existed keep their bytes and links.
  std::string detail;
  bool operator==(const AuditEntry&) const = default;
};

std::string encode_audit(const AuditEntry& e);  // without seq (the key)
std::optional<AuditEntry> decode_audit(std::string_view bytes);
util::Digest audit_link(const util::Digest& previous, std::string_view encoded_entry);

struct Tombstone {
  util::Digest chain_digest{};  // of the removed delivery record and its content hash
  std::uint64_t audit_seq = 0;  // the audit entry that removed it
};

std::string encode_tombstone(const Tombstone& t);
std::optional<Tombstone> decode_tombstone(std::string_view bytes);

}  // namespace postjournal::archive
