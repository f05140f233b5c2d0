// One pull of one journal mailbox into its tenant's archive.
//
// Contract (the no-loss rule for mailboxes): every message is looked up in the archive by
// (mailbox name, server, Delivery::fetch_uid); one not found is fetched byte-exact, run through the
// same ingest path as SMTP mail and committed durably; only then, with delete_after_indexing, is
// it flagged for deletion, and deletions take effect when the run closes the folder. A message
// found in the archive is not fetched again (keep mode imports each message once; after a crash
// between commit and delete, the next run just deletes it). The archive marker is written in the
// same transaction as the delivery, so there is no window in which a message is archived but
// not known to be. Messages go through the process's ingest::Service (the one path from bytes to
// a durable delivery, which also records the mailbox's source state). A per-mailbox lock file under
// <archive_root>/_fetch/ keeps two processes from pulling the same mailbox at once. Not thread-safe
// per mailbox; different mailboxes may be pulled in parallel.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "config/config.hpp"
#include "ingest/ingest.hpp"
#include "mail_store.hpp"
#include "util/file.hpp"

namespace postjournal::fetch {

struct PullReport {
  std::size_t listed = 0;    // messages in the folder
  std::size_t archived = 0;  // newly archived in this run
  std::size_t already = 0;   // found in the archive, not fetched again
  std::size_t deleted = 0;   // flagged and removed at close
  std::uint64_t bytes = 0;   // bytes archived
  std::string last_id;       // delivery id of the last message archived
  std::string server;        // host:port
  std::string protocol;
  std::string tls_peer;
};

// Pulls every message now in the mailbox. Stops early (cleanly) when `stop` becomes true.
// Throws FetchError; whatever was archived before the failure stays archived and is the only
// thing deleted.
PullReport pull(ingest::Service& service, const config::Config& c, const config::Mailbox& m,
                const std::atomic<bool>& stop);

// An exclusive flock on <root>/_fetch/<name>.lock, held for the fd's lifetime: one process pulls
// a source at a time. FetchError kBusy when another holds it, kArchive when it cannot be made.
util::UniqueFd lock_source(const std::string& root, const std::string& name);

// What the mailbox logs in with: its password, or for oauth2 a fresh access token - the client
// credentials of the named microsoft365 entry for https://outlook.office365.com/.default, or
// the Google service account's JWT bearer grant for the mailbox (sub = username). Throws
// FetchError: kConfig (unreadable password file), kAuth (the token endpoint refused).
std::string credential(const config::Config& c, const config::Mailbox& m);

// Connects, authenticates and lists folders; with `folders_out`, the folder names. Throws
// FetchError naming the failure (also for a missing folder).
ConnectionFacts validate(const config::Config& c, const config::Mailbox& m,
                         std::vector<std::string>* folders_out);

}  // namespace postjournal::fetch
