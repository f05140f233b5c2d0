// The one result type of the data plane: what happened to a message (or to one step of an SMTP
// transaction). Every front end maps it at its edge with one table: the milter to SMTP replies
// (milter/replies.hpp), postjournal-fetch to a failed pull, `postjournal import` to an exit code.
// An Outcome comes with a detail string for the log; that detail is never sent to a client.
// Plain values; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace postjournal::util {

enum class Outcome {
  kContinue,          // milter: this step is fine, go on
  kStored,            // durably archived (or was already: a retransmission); the MTA delivers on
  kStoredDiscard,     // durably archived; the MTA drops its copy (listener after_archive: discard)
  kArchiveFull,       // map at its cap or file system full: retry later
  kArchiveFailed,     // I/O or LMDB error, archive cannot be opened: retry later
  kCommitTimeout,     // the durable commit did not finish within the deadline: retry later
  kResolverTempfail,  // tenant resolution failed for now (SPF/DNS temperror): retry later
  kInternal,          // events out of order, an exception, a bug: retry later
  kSplit,             // this recipient belongs to another tenant: send it separately
  kTooBig,            // larger than the archive accepts (milter.max_message_size): policy
  kRejected,          // no tenant, and `unassigned: reject`: policy
};

// True for outcomes that are postjournal's own, temporary failures: these must never become a
// permanent (5xx) answer, because Exchange and Google drop a journal report that gets one.
constexpr bool is_our_failure(Outcome o) {
  return o == Outcome::kArchiveFull || o == Outcome::kArchiveFailed ||
         o == Outcome::kCommitTimeout || o == Outcome::kResolverTempfail || o == Outcome::kInternal;
}

constexpr bool is_stored(Outcome o) {
  return o == Outcome::kStored || o == Outcome::kStoredDiscard;
}

// "stored", "archive-full", ... (log fields, JSON).
std::string_view to_string(Outcome o);

}  // namespace postjournal::util
