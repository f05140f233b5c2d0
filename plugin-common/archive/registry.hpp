// Process-wide registry of open tenant archives under one or more archive roots. Guarantees one
// LMDB environment per directory per process (LMDB's rule): opening the same tenant under the
// same root twice returns the same TenantArchive; the first opener's options win. An archive
// closes when the last shared_ptr to it is dropped; an open() that comes while that close is
// still running (writer join, mdb_env_close) waits for it to finish before it opens the
// directory again, so two environments of one directory never coexist. Long-lived processes
// keep their archives open through ingest::Service, which holds the references. Open archives
// only after fork(), never before. Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "archive/tenant_archive.hpp"

namespace postjournal::archive {

class Registry {
 public:
  static Registry& instance();

  // Throws std::runtime_error / LmdbError / std::system_error when the archive cannot be opened.
  std::shared_ptr<TenantArchive> open(const std::string& root, const TenantId& tenant,
                                      const ArchiveOptions& opts = {});

 private:
  void closed(const std::string& key);

  std::mutex mu_;
  std::condition_variable cv_;
  // An entry lives from the archive's construction until its destructor has returned.
  std::map<std::string, std::weak_ptr<TenantArchive>> open_;
};

// True when <root>/<tenant>/ holds an archive (its data.mdb exists).
bool archive_exists(const std::string& root, const TenantId& tenant);

// Tenants (and the No Tenant queue) that have an archive directory under root, sorted.
std::vector<TenantId> list_tenants(const std::string& root);

}  // namespace postjournal::archive
