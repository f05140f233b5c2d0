// Every search, view, download and export of postjournal-web is an entry of the tenant's audit
// log (archive/audit.hpp: hash-chained, shown by `postjournal audit`), durable before the
// response is sent. Entries are group-committed: one thread takes whatever requests have queued
// since its last commit and writes them in one LMDB transaction per tenant (one fsync for many
// page views). record() blocks until its entry is durable and throws (std::runtime_error with
// the archive's message) when the commit failed — the caller then answers 503 and shows nothing.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "archive/audit.hpp"
#include "archive/tenant_archive.hpp"

namespace postjournal::web {

class AccessLog {
 public:
  AccessLog();
  ~AccessLog();  // commits what is queued, then stops
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Appends `e` (its seq and time are set here) to the archive's audit log; returns its seq.
  std::uint64_t record(const std::shared_ptr<archive::TenantArchive>& archive,
                       archive::AuditEntry e);
  // Several entries (a search of several tenants) queued together and waited for once: they
  // share the writer's next round instead of taking one round each.
  struct Item {
    std::shared_ptr<archive::TenantArchive> archive;
    archive::AuditEntry entry;
  };
  void record(std::vector<Item> items);
  std::uint64_t commits() const;  // transactions written so far (tests, bench)

 private:
  struct Pending {
    std::shared_ptr<archive::TenantArchive> archive;
    archive::AuditEntry entry;
    bool done = false;
    std::exception_ptr error;
  };
  void run();
  std::vector<std::shared_ptr<Pending>> queue(std::vector<Item> items);
  std::vector<std::uint64_t> wait(const std::vector<std::shared_ptr<Pending>>& pending);

  mutable std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<std::shared_ptr<Pending>> queue_;
  std::uint64_t commits_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace postjournal::web
