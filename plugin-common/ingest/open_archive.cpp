#include "ingest/open_archive.hpp"

#include <chrono>
#include <stdexcept>

namespace postjournal::ingest {

archive::ArchiveOptions archive_options(const config::Config& c) {
  archive::ArchiveOptions o;
  o.env.initial_map_size = c.archive_initial_map_size;
  o.env.max_map_size = c.archive_max_map_size;
  o.writer.max_batch = c.archive_batch_max;
  o.writer.max_batch_bytes = c.archive_batch_bytes;
  o.writer.max_wait = std::chrono::milliseconds(c.archive_batch_wait_ms);
  return o;
}

std::shared_ptr<archive::TenantArchive> open_archive(const config::Config& c,
                                                     const std::string& tenant) {
  auto id = tenant.empty() ? archive::TenantId::no_tenant() : archive::TenantId::parse(tenant);
  if (!id) throw std::runtime_error("invalid tenant id '" + tenant + "'");
  return archive::Registry::instance().open(c.archive_root, *id, archive_options(c));
}

}  // namespace postjournal::ingest
