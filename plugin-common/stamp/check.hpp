// What a tenant's stamps prove (`postjournal verify`) and what they do not cover yet (`postjournal
// status`, metrics, alerts).
//
// check_stamps() checks every stored stamp: it decodes; stamps are numbered without gaps; its
// token verifies (util/tsp.hpp: granted, signature, TSA certificate chain to timestamp.ca_file as
// of the token's own time, imprint = SHA-256 of the anchor statement rebuilt from the stored
// heads, nonce); the stamped delivery and audit links are the ones the archive holds at those
// sequence numbers; and stamps are in time order (genTime and heads never go backwards). A
// delivery is covered when a valid stamp's delivery head is at or after it (the chain links it to
// that head; verify_archive checks the links themselves).
//
// A Gap is cheap (a few LMDB reads, no token verified): the newest stamp and what arrived after
// it; the milter computes it for every tenant every few seconds. The row of
// a tenant's timestamps in the source table is named "timestamp:<tenant>"; it is FAILING when the
// oldest unstamped delivery or audit entry is older than timestamp.alert_after.
// Thread-safe (reads only). Errors: LmdbError from the archive.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archive/stamps.hpp"
#include "archive/tenant_archive.hpp"
#include "config/config.hpp"
#include "state/status.hpp"
#include "util/tsp.hpp"

namespace postjournal::stamp {

struct StampCheck {
  archive::StampRecord record;
  std::optional<util::tsp::TokenInfo> info;
  std::string problem;  // "": valid
};

struct Coverage {
  std::vector<StampCheck> stamps;
  std::uint64_t valid = 0;
  std::uint64_t covered = 0;        // deliveries 1..covered are under a valid stamp
  std::uint64_t audit_covered = 0;  // audit entries 1..audit_covered likewise
  std::uint64_t last_seq = 0;       // newest delivery of the archive (removed ones included)
  std::uint64_t audit_last = 0;
  std::vector<archive::VerifyProblem> problems;  // where: "stamp N"
  bool unchecked = false;                        // stamps exist but ca_file is empty
};

// `ca_file` empty (timestamp.ca_file not set): no token can be checked; the stamps are then
// `unchecked` (none valid) but not problems: whether a TSA is trusted is the configuration's
// decision, and verify says that it could not make it.
Coverage check_stamps(const archive::TenantArchive& a, const std::string& ca_file);

struct Gap {
  std::uint64_t stamps = 0;
  std::optional<archive::StampRecord> last;  // the newest stamp (token left empty)
  std::uint64_t unstamped = 0;               // deliveries after the newest stamp's head
  std::uint64_t unstamped_audit = 0;         // audit entries after it
  util::TimeUs oldest_unstamped = 0;         // when the first of them arrived (0: none)
};

Gap gap(const archive::TenantArchive& a);

inline std::string row_name(const archive::TenantId& t) {
  return "timestamp:" + t.str();
}

// The tenant's row for status and alerts (kind "timestamp"); `recorded` is the state the stamper
// keeps under row_name (last success as last_message, the latest failure).
state::SourceStatus stamp_row(const config::Config& c, const archive::TenantId& t, const Gap& g,
                              const state::SourceState& recorded, util::TimeUs now);

using Open = std::function<std::shared_ptr<archive::TenantArchive>(const archive::TenantId&)>;

struct TenantGap {
  archive::TenantId tenant;
  Gap gap;
};
// The gap of every tenant under `root` while timestamp.url is set, and of tenants that have
// stamps when it is not.
std::vector<TenantGap> gaps(const config::Config& c, const std::string& root, const Open& open);

// Their rows, with the state recorded under each row's name.
std::vector<state::SourceStatus> stamp_rows(const config::Config& c,
                                            const std::vector<TenantGap>& gaps,
                                            const std::map<std::string, state::SourceState>& states,
                                            util::TimeUs now);

}  // namespace postjournal::stamp
