// Retention, legal holds and erasure requests as the archive stores them (README, Retention and
// legal hold). Side tables, never the chained delivery record (the chain hashes the record):
//
//   retention  seq(be64) -> RetentionEntry: the policy, rule and dates fixed for a delivery
//   expiry     keep_until(be64) + seq -> "": the deliveries in the order they expire
//   holds      hold name -> Hold: a legal hold and its scope, kept after release as evidence
//   held       seq(be64) + hold name -> "": an active hold pins the delivery
//   erasures   request id(be64) -> ErasureRequest (GDPR Art. 17, four-eyes)
//   meta       "retention-fixed": be64 seq up to which every delivery was evaluated;
//              "retention-purged" / "retention-erased": be64 counters
//
// Every change to these tables other than fixing a new delivery is written with an audit entry
// (removal.hpp's append_audit) in the same transaction. Codecs never trust their input (nullopt
// on anything malformed). Functions run in the caller's transaction; thread-safety is LMDB's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archive/lmdb_env.hpp"
#include "util/time.hpp"

namespace postjournal::archive {

struct RetentionEntry {
  std::string policy;              // the tenant's name, or "default"
  std::string rule;                // the rule that matched; empty: the policy's own values
  std::string keep;                // the period as configured ("6y", "forever")
  std::string minimum;             // ("6y", "0d")
  util::TimeUs keep_until = 0;     // purged after it; 0: kept forever
  util::TimeUs minimum_until = 0;  // cannot be removed before it; 0: no minimum
  util::TimeUs fixed_at = 0;       // when it was fixed or last changed
  std::uint64_t audit_seq = 0;     // audit entry of the last change; 0: as fixed at ingestion
  bool operator==(const RetentionEntry&) const = default;
};
std::string encode_retention(const RetentionEntry& e);
std::optional<RetentionEntry> decode_retention(std::string_view bytes);

struct Hold {
  std::string name;
  std::string kind;   // "query", "address" or "all"
  std::string scope;  // the query or the address, as given (the proof of scope)
  std::string reason;
  std::string created_by;
  util::TimeUs created = 0;
  std::uint64_t create_audit = 0;
  util::TimeUs released = 0;  // 0: active
  std::string released_by;
  std::string release_reason;
  std::uint64_t release_audit = 0;
  bool active() const { return released == 0; }
  bool operator==(const Hold&) const = default;
};
std::string encode_hold(const Hold& h);
std::optional<Hold> decode_hold(std::string_view bytes);

struct ErasureRequest {
  std::uint64_t id = 0;
  std::string state;  // "pending", "done"
  std::string scope;  // "address A", "query Q" or "ids acme:1 acme:2"
  std::string reason;
  util::TimeUs requested = 0;
  std::string requested_by;  // "alice (uid 1001)"; a SUDO_USER is recorded, not trusted
  std::uint64_t requester_uid = 0;
  std::uint64_t request_audit = 0;
  std::vector<std::uint64_t> erase;                         // seqs that would go
  std::vector<std::pair<std::uint64_t, std::string>> kept;  // seqs kept, and why
  util::TimeUs approved = 0;
  std::string approved_by;
  std::uint64_t approver_uid = 0;
  std::uint64_t approve_audit = 0;
  bool operator==(const ErasureRequest&) const = default;
};
std::string encode_erasure(const ErasureRequest& r);
std::optional<ErasureRequest> decode_erasure(std::string_view bytes);

// --- in a transaction ---

std::optional<RetentionEntry> load_retention(const Txn& txn, const Databases& dbs,
                                             std::uint64_t seq);
// Writes the entry and moves its expiry key.
void put_retention(Txn& txn, const Databases& dbs, std::uint64_t seq, const RetentionEntry& e);
// Forgets a removed delivery: its entry, expiry key and pins.
void drop_retention(Txn& txn, const Databases& dbs, std::uint64_t seq);
// Up to `limit` (keep_until, seq) with keep_until < before, in expiry order, after `after`.
std::vector<std::pair<util::TimeUs, std::uint64_t>> expiring(
    const Txn& txn, const Databases& dbs, util::TimeUs before, std::size_t limit,
    std::optional<std::pair<util::TimeUs, std::uint64_t>> after = std::nullopt);
// The earliest keep_until of any delivery (nullopt: none expires).
std::optional<util::TimeUs> next_expiry(const Txn& txn, const Databases& dbs);

std::optional<Hold> load_hold(const Txn& txn, const Databases& dbs, std::string_view name);
void put_hold(Txn& txn, const Databases& dbs, const Hold& h);
std::vector<Hold> list_holds(const Txn& txn, const Databases& dbs);
// Pins: the names of the holds pinning `seq`; pin (idempotent); removes every pin of a hold and
// returns how many there were; pins of one hold; distinct pinned deliveries.
std::vector<std::string> pins_of(const Txn& txn, const Databases& dbs, std::uint64_t seq);
bool pin(Txn& txn, const Databases& dbs, std::uint64_t seq, std::string_view hold);
std::uint64_t unpin_all(Txn& txn, const Databases& dbs, std::string_view hold);
std::uint64_t pinned_by(const Txn& txn, const Databases& dbs, std::string_view hold);
std::uint64_t count_held(const Txn& txn, const Databases& dbs);

std::optional<ErasureRequest> load_erasure(const Txn& txn, const Databases& dbs, std::uint64_t id);
void put_erasure(Txn& txn, const Databases& dbs, const ErasureRequest& r);
std::vector<ErasureRequest> list_erasures(const Txn& txn, const Databases& dbs);
std::uint64_t next_erasure_id(const Txn& txn, const Databases& dbs);

inline constexpr std::string_view kRetentionFixed = "retention-fixed";
inline constexpr std::string_view kRetentionPurged = "retention-purged";
inline constexpr std::string_view kRetentionErased = "retention-erased";
std::uint64_t meta_u64(const Txn& txn, const Databases& dbs, std::string_view key);
void set_meta_u64(Txn& txn, const Databases& dbs, std::string_view key, std::uint64_t v);

}  // namespace postjournal::archive
