// The ingest Service: one per process (postjournal-milter, postjournal-fetch, `postjournal
// import`), created after daemonising. It owns the tenant archives the process has opened
// (strong references: an archive stays open until the Service is destroyed, or until a reload
// drops its tenant from the configuration) and the process's one source-state store, and it is
// the one path from "bytes + transport facts" to a durable delivery: extract the journal
// envelope, build the record, submit it to the tenant's group-commit writer, wait for the commit
// (with a deadline and a progress callback), record source state and metrics, and report the
// fields of the summary log line.
//
// Errors: state() throws when the state store cannot be opened (daemons call it at startup). On
// the data
// plane nothing throws: store()/wait() return a Report whose Outcome says what happened
// (kStored, kArchiveFull, kArchiveFailed, kCommitTimeout) and whose detail is for the log only.
// Bad message bytes are never an error (extract_envelope flags them). Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "archive/tenant_archive.hpp"
#include "config/config.hpp"
#include "state/source_state.hpp"
#include "util/outcome.hpp"

namespace postjournal::ingest {

// What the transport knows about one message (archive::Transport, stored as it is), plus what
// only ingest needs. Unknown facts stay empty.
struct TransportFacts : archive::Transport {
  std::vector<std::string> anomalies;  // noticed by the front end while receiving
  // False when the transaction was not attributed to a journaling listener: then the sender and
  // recipients a message claims (report body, X-Envelope-To, ...) are not believed; the SMTP
  // envelope is recorded instead and the claim is flagged (promise 4).
  bool trust_journal = true;
};

struct StoreOptions {
  bool merge_retransmission = false;  // archive::SubmitOptions
  // Wait at most this long for the durable commit; 0: until it is done. A timeout does not
  // cancel the write: the message may still be stored, and the sender's retry is merged.
  std::chrono::milliseconds deadline{0};
  // Called every progress_interval while waiting (the milter's smfi_progress).
  std::function<void()> progress;
  std::chrono::milliseconds progress_interval{5000};
  bool record_state = true;  // source state of facts.source (status, alerts)
};

struct Report {
  util::Outcome outcome = util::Outcome::kArchiveFailed;
  std::string detail;  // why it failed: for the log, never for a client
  archive::TenantId tenant = archive::TenantId::no_tenant();
  std::uint64_t seq = 0;  // the delivery (or the earlier one, for a retransmission)
  std::string source;
  std::uint64_t size = 0;
  bool content_existed = false;
  bool retransmission = false;
  std::int64_t ms = 0;  // from submit to the end of the wait
  bool ok() const { return outcome == util::Outcome::kStored; }
  std::string id() const { return archive::DeliveryId{tenant, seq}.str(); }
  // The key=value fields of the summary log line: "tenant=acme id=acme:42 source=acme-m365
  // size=48213 ms=3" (+ " retransmission=yes" / " duplicate=yes"), or for a failure
  // "tenant=acme source=... size=... reason=...".
  std::string log_fields() const;
};

// The delivery record for these bytes: the transport facts, the extracted journal envelope
// (replaced by the SMTP envelope when !facts.trust_journal) and every anomaly. Never throws for
// bad bytes.
archive::Delivery make_delivery(const TransportFacts& facts, const archive::MessageBytes& bytes);

// archive::ArchiveOptions as the configuration's `archive:` section says.
archive::ArchiveOptions archive_options(const config::Config& c);

// Why the daemons must not start with this configuration's storage settings, or "": with
// archive.encryption aes-256-gcm, a tenant of the configuration, the No Tenant queue or an
// existing archive without a readable key file, or with a key the archive was not encrypted
// with; with none, an encrypted archive (it would get clear text). Opens the existing archives
// briefly (call it after fork, as milter.user).
std::string storage_problem(const config::Config& c);

class Service {
 public:
  explicit Service(std::shared_ptr<const config::Config> config);
  // Drains every writer and closes every archive (the references still held elsewhere, such as
  // a Ticket, keep theirs open until they are dropped).
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // A reload: later stores use `config`; archives of tenants it no longer names are closed. The
  // archive root cannot change while the process runs: std::runtime_error (keep the old one).
  void reconfigure(std::shared_ptr<const config::Config> config);
  std::shared_ptr<const config::Config> config() const;

  // The tenant's archive, opened on first use and kept open. Throws when it cannot be opened.
  std::shared_ptr<archive::TenantArchive> archive(const archive::TenantId& tenant);
  // A configured tenant name as an id; the empty string is the No Tenant queue. Throws
  // std::runtime_error when the name is not a valid tenant id.
  static archive::TenantId tenant_of(const std::string& configured);
  // The source-state store of the archive root, opened on first use. Throws when it cannot be
  // opened.
  state::StateStore& state();

  // A store in flight: submit() returns at once (the writer batches what is submitted), wait()
  // blocks. `postjournal import` keeps many in flight so group commit works.
  struct Ticket {
    Report report;  // filled as far as known at submit
    std::shared_ptr<archive::TenantArchive> archive;
    std::future<archive::StoreResult> result;
    std::chrono::steady_clock::time_point started;
  };
  Ticket submit(const archive::TenantId& tenant, const TransportFacts& facts,
                archive::MessageBytes bytes, const StoreOptions& opts = {});
  Report wait(Ticket& ticket, const StoreOptions& opts = {});
  Report store(const archive::TenantId& tenant, const TransportFacts& facts,
               archive::MessageBytes bytes, const StoreOptions& opts = {});

  // Source state; a failure to record is logged, never thrown.
  void record_failure(const std::string& source, const std::string& reason);
  void record_stored(const std::string& source, const std::string& id, std::uint64_t size);

  // Called (from the storing thread, after the durable commit) for every stored delivery, and
  // through archive_changed() after removals (a purge): the milter's indexer uses it to start a
  // pass. Set before the first store; must not block.
  void set_on_stored(std::function<void()> fn) { on_stored_ = std::move(fn); }
  void archive_changed() {
    if (on_stored_) on_stored_();
  }

 private:
  std::function<void()> on_stored_;
  std::string root_;
  mutable std::mutex mu_;
  std::shared_ptr<const config::Config> config_;
  std::map<archive::TenantId, std::shared_ptr<archive::TenantArchive>> archives_;
  std::mutex state_mu_;
  std::unique_ptr<state::StateStore> state_;
};

}  // namespace postjournal::ingest
