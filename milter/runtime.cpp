#include "runtime.hpp"

#include "ingest/open_archive.hpp"

namespace postjournal::milter {

std::mutex CurrentRuntime::mu_;
std::shared_ptr<const Runtime> CurrentRuntime::current_;

Runtime::Runtime(std::shared_ptr<const config::Config> c, std::shared_ptr<tenant::SpfChecker> s)
    : config(c), spf(s), resolver(std::move(c), std::move(s)) {}

std::shared_ptr<archive::TenantArchive> Runtime::archive_for(const std::string& tenant) const {
  return ingest::open_archive(*config, tenant);
}

std::shared_ptr<const Runtime> CurrentRuntime::get() {
  std::lock_guard lock(mu_);
  return current_;
}

void CurrentRuntime::set(std::shared_ptr<const Runtime> r) {
  std::lock_guard lock(mu_);
  current_ = std::move(r);
}

}  // namespace postjournal::milter
