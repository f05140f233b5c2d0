// Opening a tenant's archive as a configuration says: the archive options of the `archive:`
// section and the process-wide Registry (one environment per directory). Shared by the milter,
// postjournal-fetch and the operator command. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "archive/registry.hpp"
#include "config/config.hpp"

namespace postjournal::ingest {

archive::ArchiveOptions archive_options(const config::Config& c);

// `tenant` empty means the No Tenant queue. Throws std::runtime_error for an invalid tenant id and
// whatever Registry::open throws.
std::shared_ptr<archive::TenantArchive> open_archive(const config::Config& c,
                                                     const std::string& tenant);

}  // namespace postjournal::ingest
