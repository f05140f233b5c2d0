#include "archive/registry.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "util/file.hpp"

namespace postjournal::archive {

namespace {
std::string canonical_root(const std::string& root) {
  util::make_dirs(root);
  char* real = ::realpath(root.c_str(), nullptr);
  if (real == nullptr) throw std::system_error(errno, std::generic_category(), "realpath " + root);
  std::string out(real);
  std::free(real);
  return out;
}
}  // namespace

Registry& Registry::instance() {
  static Registry r;
  return r;
}

std::shared_ptr<TenantArchive> Registry::open(const std::string& root, const TenantId& tenant,
                                              const ArchiveOptions& opts) {
  std::string canon = canonical_root(root);
  std::string key = canon + "/" + tenant.str();
  std::lock_guard lock(mu_);
  if (auto existing = open_[key].lock()) return existing;
  auto a = std::make_shared<TenantArchive>(canon, tenant, opts);
  open_[key] = a;
  return a;
}

bool archive_exists(const std::string& root, const TenantId& tenant) {
  struct stat st {};
  return ::stat((root + "/" + tenant.str() + "/data.mdb").c_str(), &st) == 0;
}

std::vector<TenantId> list_tenants(const std::string& root) {
  std::vector<TenantId> out;
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    throw std::system_error(errno, std::generic_category(), "cannot list " + root);
  }
  while (dirent* e = ::readdir(d)) {
    auto t = TenantId::parse_any(e->d_name);
    if (t && archive_exists(root, *t)) out.push_back(*t);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace postjournal::archive
