#include "runtime.hpp"

#include <chrono>

namespace postjournal::milter {

std::mutex CurrentRuntime::mu_;
std::shared_ptr<const Runtime> CurrentRuntime::current_;

Runtime::Runtime(std::shared_ptr<const config::Config> c, std::shared_ptr<tenant::SpfChecker> s)
    : config(c), spf(s), resolver(std::move(c), std::move(s)) {}

archive::ArchiveOptions Runtime::archive_options() const {
  archive::ArchiveOptions o;
  o.env.initial_map_size = config->archive_initial_map_size;
  o.env.max_map_size = config->archive_max_map_size;
  o.writer.max_batch = config->archive_batch_max;
  o.writer.max_batch_bytes = config->archive_batch_bytes;
  o.writer.max_wait = std::chrono::milliseconds(config->archive_batch_wait_ms);
  return o;
}

std::shared_ptr<archive::TenantArchive> Runtime::archive_for(const std::string& tenant) const {
  auto id = tenant.empty() ? archive::TenantId::no_tenant() : archive::TenantId::parse(tenant);
  if (!id) throw std::runtime_error("invalid tenant id '" + tenant + "'");
  return archive::Registry::instance().open(config->archive_root, *id, archive_options());
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
