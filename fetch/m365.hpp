// Retrieval of Microsoft 365 mailboxes through Microsoft Graph (a `microsoft365:` source of
// postjournal-fetch; README, Importing existing Microsoft 365 mailboxes).
//
// Contract (the no-loss, no-duplicate rule for Graph): every message a folder's delta round
// lists is looked up in the archive's fetch ledger by (source, Graph host, "graph USER-ID
// MESSAGE-ID") - immutable ids - and, when absent, its MIME ($value) is streamed to memory or
// the spool directory and stored through the ingest Service, the ledger entry written in the
// same transaction as the delivery. A folder's deltaLink is stored in the tenant's archive
// (meta "graph-delta/SOURCE/USER/FOLDER") only after every message of the round is durable, so a
// SIGKILL at any point leaves at worst a round to repeat, whose messages the ledger skips. A 410
// (syncStateNotFound) restarts that folder's round once; a 404 for a listed message (deleted
// since) is skipped and reported. Each delivery: source = the entry's name, fetch_mailbox = the
// user principal name, fetch_folder = the folder path, fidelity "provider-mime" (Exchange made
// the MIME; a journal copy stays the byte-exact evidence), the mailbox owner as its envelope
// recipient. parallel_mailboxes mailboxes at once, 4 requests in flight per mailbox (Graph
// throttling: cloud/graph.hpp). One process retrieves a source at a time (lock_source).
#pragma once

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "ingest/ingest.hpp"

namespace postjournal::fetch {

struct MailboxGap {
  std::string mailbox;  // user principal name
  std::string what;     // "folder Inbox/x: 403 ErrorAccessDenied: ...", "message ID: deleted since"
};

struct M365Report {
  std::size_t mailboxes = 0;
  std::size_t folders = 0;
  std::size_t listed = 0;    // message ids the delta rounds named
  std::size_t archived = 0;  // newly stored
  std::size_t already = 0;   // found in the ledger
  std::size_t gone = 0;      // deleted between listing and download
  std::uint64_t bytes = 0;
  std::uint64_t requests = 0, throttled = 0, retried = 0, waited_ms = 0;
  std::vector<MailboxGap> gaps;  // what was skipped and why
};

// One retrieval of every selected mailbox (what is new since the stored delta links). Throws
// FetchError: kAuth (the token), kConnect (Graph unreachable after the retries), kProtocol
// (Graph refused the user listing), kArchive (a store failed), kBusy. A failure of one mailbox
// or folder (no Exchange mailbox, access denied) is a gap, not a failure of the run.
M365Report retrieve(ingest::Service& service, const config::Config& c,
                    const config::Microsoft365& m, const std::atomic<bool>& stop);

// --validate: the token, the user listing and one mailbox's folders, each step on `out` with
// Graph's error text on failure. True when every step passed.
bool validate_m365(const config::Microsoft365& m, std::ostream& out);

}  // namespace postjournal::fetch
