// Per-mailbox progress of a microsoft365 source (postjournal-fetch writes it while it retrieves,
// `postjournal status` shows it): <archive.root>/_fetch/<source>.progress, a text file replaced
// atomically, one line per mailbox:
//   MAILBOX <TAB> STATE <TAB> ARCHIVED <TAB> REMAINING <TAB> GAPS <TAB> LAST ERROR
// STATE is queued, running, done or failed; ARCHIVED counts this run's new deliveries;
// REMAINING estimates the items not yet examined (from the folders' item counts); GAPS counts
// what was skipped (the log and `postjournal-fetch --once` name each). A first line
// "# <ISO time>" says when it was written. Errors: write_progress throws std::system_error;
// read_progress returns nullopt for a missing or unreadable file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/time.hpp"

namespace postjournal::state {

struct MailboxProgress {
  std::string mailbox;
  std::string state = "queued";
  std::uint64_t archived = 0;
  std::uint64_t remaining = 0;
  std::uint64_t gaps = 0;
  std::string last_error;
};

struct Progress {
  util::TimeUs written = 0;
  std::vector<MailboxProgress> mailboxes;
};

std::string progress_path(const std::string& root, const std::string& source);
void write_progress(const std::string& root, const std::string& source, const Progress& p);
std::optional<Progress> read_progress(const std::string& root, const std::string& source);

}  // namespace postjournal::state
