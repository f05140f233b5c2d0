// Operational state of each mail source (listener or mailbox): when it last delivered, what,
// how much, messages per hour over the last day, the last failure, and the alert episode. Kept
// in a small LMDB environment <archive.root>/_state/ (through the archive layer's Environment:
// map growth, panic reopen) — never in a tenant's archive, so it is not evidence: commits are not
// synced (MDB_NOSYNC; the OS writes them back, a clean close syncs) and a power cut may lose the
// last seconds. The milter and postjournal-fetch write it through their ingest::Service, which
// owns the process's one StateStore; `postjournal status` and the alert check read it. At most
// one StateStore per root per process (LMDB's rule); thread-safe; processes may share the files.
// A store that cannot be opened or read (a power cut may leave its unsynced pages unreadable)
// is moved aside to _state.broken.<unix time>[.N] and recreated empty — never a reason for the
// milter not to start — and recreated() says so (`postjournal status` shows it). Opening takes
// <root>/_state.lock, so two processes never both recreate it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/time.hpp"

namespace postjournal::state {

struct SourceState {
  util::TimeUs last_message = 0;  // receipt time of the last archived message; 0: never
  std::string last_id;            // its delivery id
  std::uint64_t messages = 0;     // archived since the state began
  std::uint64_t bytes = 0;
  std::vector<std::pair<std::int64_t, std::uint64_t>> hourly;  // (unix hour, messages), <= 24
  util::TimeUs last_failure = 0;  // last tempfail (milter) or failed pull (fetch)
  std::string last_failure_reason;
  std::uint64_t failures = 0;  // tempfails / failed pulls since the state began
  bool failing = false;        // the latest attempt failed (cleared by the next success)
  util::TimeUs alerted = 0;    // an inactivity alert was sent at this time (0: no episode)

  // Messages archived in the 24 hours before `now`.
  std::uint64_t last_24h(util::TimeUs now) const;
  bool operator==(const SourceState&) const = default;
};

std::string encode_state(const SourceState& s);
std::optional<SourceState> decode_state(std::string_view bytes);

class StateStore {
 public:
  // Opens (creating) <root>/_state/. Throws LmdbError / std::system_error on failure.
  explicit StateStore(const std::string& root);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  void record_message(const std::string& source, util::TimeUs when, const std::string& id,
                      std::uint64_t bytes);
  void record_failure(const std::string& source, util::TimeUs when, const std::string& reason);
  // Read-modify-write of one source in one transaction.
  void update(const std::string& source, const std::function<void(SourceState&)>& fn);
  SourceState get(const std::string& source) const;  // empty state when unknown
  std::map<std::string, SourceState> all() const;
  // Not "" when the store could not be opened (a power cut can leave its unsynced files
  // unreadable) and was recreated empty: when, why, and where the old files are.
  std::string recreated() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace postjournal::state
