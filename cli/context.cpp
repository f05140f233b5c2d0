#include "context.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "util/strings.hpp"

namespace postjournal::cli {

ingest::Service& Context::service() const {
  if (!service_) {
    auto c = std::make_shared<config::Config>(config);
    c->archive_root = root;
    service_ = std::make_shared<ingest::Service>(std::move(c));
  }
  return *service_;
}

std::shared_ptr<archive::TenantArchive> Context::open_for_write(const archive::TenantId& t) const {
  return service().archive(t);
}

std::shared_ptr<archive::TenantArchive> Context::open_existing(const archive::TenantId& t) const {
  if (!archive::archive_exists(root, t)) {
    throw CommandError(kExitProblem, "no archive for " +
                                         (t.is_no_tenant() ? std::string("the No Tenant queue")
                                                           : "tenant '" + t.str() + "'") +
                                         " under " + root);
  }
  return open_for_write(t);
}

std::optional<archive::TenantId> Context::selected_tenant(const Args& args) const {
  if (args.has("no-tenant")) {
    if (args.has("tenant")) throw UsageError("--tenant and --no-tenant exclude each other");
    return archive::TenantId::no_tenant();
  }
  auto t = args.value("tenant");
  if (!t) return std::nullopt;
  auto id = archive::TenantId::parse(*t);
  if (!id) {
    throw UsageError("invalid tenant id '" + *t + "' (expected [a-z0-9][a-z0-9-]{0,62})");
  }
  return id;
}

std::vector<archive::TenantId> Context::selected_or_all(const Args& args) const {
  if (auto t = selected_tenant(args)) return {*t};
  return archive::list_tenants(root);
}

archive::DeliveryId parse_id(const std::string& text) {
  auto id = archive::DeliveryId::parse(text);
  if (!id) throw UsageError("invalid delivery id '" + text + "' (expected TENANT:NUMBER)");
  return *id;
}

std::optional<util::TimeUs> parse_time_option(const Args& args, const std::string& name) {
  auto v = args.value(name);
  if (!v) return std::nullopt;
  auto t = util::parse_time(*v);
  if (!t)
    throw UsageError("--" + name + ": cannot read time '" + *v +
                     "' (use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @UNIXSECONDS)");
  return t;
}

std::size_t limit_option(const Args& args, std::size_t fallback) {
  auto v = args.value("limit");
  if (!v) return fallback;
  unsigned long long n = 0;
  if (!util::parse_u64(*v, n)) throw UsageError("--limit needs a number");
  return static_cast<std::size_t>(n);
}

std::string invoking_user() {
  uid_t uid = ::geteuid();
  std::string name = std::to_string(uid);
  if (const passwd* pw = ::getpwuid(uid)) name = pw->pw_name;
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') {
    name += " (sudo by " + std::string(sudo) + ")";
  }
  return name;
}

}  // namespace postjournal::cli
