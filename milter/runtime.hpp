// What a milter connection needs, as one immutable snapshot: the configuration and the resolver
// (with its SPF checker). A reload (SIGUSR1) builds a new snapshot and swaps it in; each
// connection pins the snapshot it started with, so a reload never changes a transaction
// half-way. The archives are not part of the snapshot: the process's one ingest::Service owns
// them (process_service()). Thread-safe.
#pragma once

#include <memory>
#include <mutex>

#include "config/config.hpp"
#include "ingest/ingest.hpp"
#include "tenant/resolver.hpp"

namespace postjournal::milter {

struct Runtime {
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<tenant::SpfChecker> spf;
  tenant::Resolver resolver;

  Runtime(std::shared_ptr<const config::Config> c, std::shared_ptr<tenant::SpfChecker> s);
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

// The process's ingest Service: main() creates it after daemonising, before smfi_main, and
// destroys it after smfi_main has returned. Calling process_service() without one is a bug.
ingest::Service& process_service();
void set_process_service(ingest::Service* service);

}  // namespace postjournal::milter
