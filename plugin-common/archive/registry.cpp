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
  std::unique_lock lock(mu_);
  for (;;) {
    auto it = open_.find(key);
    if (it == open_.end()) break;
    if (auto existing = it->second.lock()) return existing;
    cv_.wait(lock);  // the last reference is gone and its destructor is running
  }
  // Opened under the lock: a concurrent open of the same directory must not start its own. The
  // holder tells the registry when the archive's destructor has returned.
  struct Holder {
    Holder(Registry* r, std::string k, std::unique_ptr<TenantArchive> a)
        : registry(r), key(std::move(k)), archive(std::move(a)) {}
    Holder(const Holder&) = delete;
    Holder& operator=(const Holder&) = delete;
    ~Holder() {
      archive.reset();
      registry->closed(key);
    }
    Registry* registry;
    std::string key;
    std::unique_ptr<TenantArchive> archive;
  };
  auto holder =
      std::make_shared<Holder>(this, key, std::make_unique<TenantArchive>(canon, tenant, opts));
  std::shared_ptr<TenantArchive> a(holder, holder->archive.get());
  open_[key] = a;
  return a;
}

void Registry::closed(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    open_.erase(key);
  }
  cv_.notify_all();
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
