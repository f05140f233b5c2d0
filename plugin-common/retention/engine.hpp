// Retention, legal holds and erasure on one tenant archive (README, Retention and legal hold).
//
// Fixing: each delivery gets its RetentionEntry (policy.hpp) once, from the policy in force when
// it is evaluated, and active holds pin it; both follow watermarks in the archive's meta. When the
// tenant has query rules (or active query holds) evaluation waits for the full-text index to
// reach the delivery; while the index is missing or being rebuilt, nothing new is evaluated.
// postjournal-milter fixes after each indexer pass, every function below fixes first (dry runs
// too: it is the ingestion step catching up, not a change), always at the real time.
//
// Purge: deliveries whose keep date has passed, evaluated and indexed (index.enabled), under no
// active hold (re-checked at purge time against each hold's scope) and past their minimum are
// removed in batches of retention.purge_batch, one LMDB transaction each: record, indexes, bytes
// when no retained delivery shares them (per-blob live counts), data keys with them; a tombstone in
// the hash chain and an audit entry per delivery (actor "retention", policy, rule, dates), plus one
// "purge-run" entry per batch with its counts. Killed at any moment, a batch is all or nothing.
//
// Erasure (GDPR Art. 17): a request lists what would go and what is kept and why; another
// identity (a different real uid) approves it; then the deliveries are removed as above with
// action "erase". Key rotation, index compaction and archive compaction are the caller's (they
// need the archive closed).
//
// Errors: std::runtime_error with what to do (unknown hold, bad scope, four-eyes violation),
// index::QueryError for a bad query, archive::LmdbError / ArchiveBusy from the archive.
// Thread-safety: calls may overlap on one archive (the milter's indexer thread fixes while its
// housekeeping thread purges): LMDB serialises their write transactions, and each re-checks in
// its own transaction what it changes (an entry already fixed, a delivery already removed, a pin
// already there).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "archive/retention_store.hpp"
#include "archive/tenant_archive.hpp"
#include "config/config.hpp"
#include "retention/policy.hpp"

namespace postjournal::retention {

// Who acts: a name for the audit log and the real uid (four-eyes).
struct Actor {
  std::string name;
  std::uint64_t uid = 0;
};

inline constexpr std::string_view kHoldsEvaluated = "holds-evaluated";

// How far evaluation can go now: the index watermark when queries are involved, else the newest
// delivery; `waiting` says why it stops short (index missing, rebuilding, lagging).
struct Reach {
  std::uint64_t last = 0;          // newest delivery
  std::uint64_t retention_to = 0;  // retention entries may be fixed up to here
  std::uint64_t holds_to = 0;      // hold pins may be evaluated up to here
  std::uint64_t fixed = 0;         // retention-fixed watermark
  std::uint64_t holds_evaluated = 0;
  // Purge and erasure take nothing beyond the full-text index's watermark (none while it is
  // missing or rebuilding) when index.enabled: the index must have seen what it forgets.
  std::uint64_t removable_to = 0;
  std::string waiting;
};
Reach reach(const archive::TenantArchive& a, const config::Config& c);

struct FixReport {
  std::uint64_t fixed = 0;   // retention entries written
  std::uint64_t pinned = 0;  // new pins
  Reach reach;
};
FixReport fix(archive::TenantArchive& a, const config::Config& c, util::TimeUs now);

// --- holds ---
struct HoldRequest {
  std::string name;   // [A-Za-z0-9._-]{1,64}
  std::string kind;   // "query", "address", "all"
  std::string scope;  // the query or address; empty for all
  std::string reason;
};
struct HoldReport {
  archive::Hold hold;
  std::uint64_t pinned = 0;
};
HoldReport create_hold(archive::TenantArchive& a, const config::Config& c, const HoldRequest& r,
                       const Actor& who, util::TimeUs now);
HoldReport release_hold(archive::TenantArchive& a, const std::string& name,
                        const std::string& reason, const Actor& who, util::TimeUs now);
std::vector<HoldReport> holds(const archive::TenantArchive& a);

// --- purge ---
struct PurgeItem {
  std::uint64_t seq = 0;
  util::TimeUs keep_until = 0;
  std::string policy, rule;
  std::string why_kept;  // empty: purged (or would be)
};
struct PurgeReport {
  bool dry_run = false;
  std::vector<PurgeItem> purged;  // or, dry run, would be
  std::vector<PurgeItem> kept;    // expired but kept (hold, minimum, not yet evaluated)
  std::uint64_t batches = 0;
  std::uint64_t bytes_released = 0;  // contents no longer stored
  std::uint64_t not_yet = 0;         // of `kept`: not evaluated or indexed yet (retry soon)
  Reach reach;
};
PurgeReport purge(archive::TenantArchive& a, const config::Config& c, util::TimeUs now,
                  bool dry_run);

// --- apply: the current policy to stored mail, lengthening only ---
struct ApplyReport {
  bool dry_run = false;
  std::uint64_t examined = 0, unchanged = 0, lengthened = 0, assigned = 0, shorter_kept = 0;
  std::vector<std::string> samples;  // a few changed ids with old -> new
};
ApplyReport apply(archive::TenantArchive& a, const config::Config& c, util::TimeUs now,
                  bool dry_run, const Actor& who);

// --- explain ---
struct Explanation {
  std::optional<archive::RetentionEntry> stored;
  std::optional<Decision> current;  // what the configuration says today
  std::vector<std::string> pins;    // holds pinning it
  std::string state;                // one line: kept until / held / expired, purge pending ...
};
Explanation explain(archive::TenantArchive& a, const config::Config& c, std::uint64_t seq,
                    util::TimeUs now);

// --- erasure ---
struct ErasureScope {
  std::string address;
  std::string query;
  std::vector<std::uint64_t> seqs;
};
archive::ErasureRequest request_erasure(archive::TenantArchive& a, const config::Config& c,
                                        const ErasureScope& s, const std::string& reason,
                                        const Actor& who, util::TimeUs now);
struct ErasureReport {
  archive::ErasureRequest request;
  std::vector<std::uint64_t> erased;
  std::vector<std::pair<std::uint64_t, std::string>> kept;    // now kept (a hold since, ...)
  std::vector<std::pair<std::uint64_t, std::string>> shared;  // bytes kept: shared with ...
};
// Refuses (std::runtime_error) when `who` has the requester's uid or the request is not pending.
ErasureReport approve_erasure(archive::TenantArchive& a, const config::Config& c, std::uint64_t id,
                              const Actor& who, util::TimeUs now);

// Counts for status and metrics.
struct Summary {
  std::uint64_t held = 0;
  std::uint64_t active_holds = 0;
  std::optional<util::TimeUs> next_expiry;
  std::uint64_t purged = 0, erased = 0;
  std::uint64_t unevaluated = 0;  // deliveries not yet fixed
  bool has_policy = false;
};
Summary summary(const archive::TenantArchive& a, const config::Config& c);

}  // namespace postjournal::retention
