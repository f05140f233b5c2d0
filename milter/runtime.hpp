// What a milter connection needs, as one immutable snapshot: the configuration, the resolver
// (with its SPF checker) and the archive options. A reload (SIGUSR1) builds a new snapshot and
// swaps it in; each connection pins the snapshot it started with, so a reload never changes a
// transaction half-way. Thread-safe.
#pragma once

#include <memory>
#include <mutex>

#include "archive/registry.hpp"
#include "config/config.hpp"
#include "tenant/resolver.hpp"

namespace postjournal::milter {

struct Runtime {
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<tenant::SpfChecker> spf;
  tenant::Resolver resolver;

  Runtime(std::shared_ptr<const config::Config> c, std::shared_ptr<tenant::SpfChecker> s);
  // The tenant's archive (or the No Tenant queue's), opened on first use.
  std::shared_ptr<archive::TenantArchive> archive_for(const std::string& tenant) const;
};

// The process-wide current snapshot.
class CurrentRuntime {
 public:
  static std::shared_ptr<const Runtime> get();
  static void set(std::shared_ptr<const Runtime> r);

 private:
  static std::mutex mu_;
  static std::shared_ptr<const Runtime> current_;
};

}  // namespace postjournal::milter
