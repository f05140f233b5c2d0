// What every subcommand needs: the configuration, the archive root and access to tenant archives
// through the process's one ingest::Service (made on first use, with archive.root set to
// --archive-root when given). Read commands must never create an archive: open_existing()
// refuses a tenant without one. Single-threaded use.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archive/registry.hpp"
#include "args.hpp"
#include "config/config.hpp"
#include "ingest/ingest.hpp"

namespace postjournal::cli {

// sysexits.h values used by the command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitProblem = 1;  // not found, verify found problems
inline constexpr int kExitUsage = 64;
inline constexpr int kExitDataErr = 65;
inline constexpr int kExitNoInput = 66;
inline constexpr int kExitSoftware = 70;
inline constexpr int kExitTempFail = 75;
inline constexpr int kExitConfig = 78;

class CommandError : public std::runtime_error {
 public:
  CommandError(int code, const std::string& msg) : std::runtime_error(msg), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

struct Context {
  config::Config config;
  std::string root;

  // The ingest Service for `root`. Throws when it cannot be made.
  ingest::Service& service() const;
  // Opens (creating if needed) a tenant archive for writing.
  std::shared_ptr<archive::TenantArchive> open_for_write(const archive::TenantId& t) const;
  // Opens an existing archive; CommandError when the tenant has none.
  std::shared_ptr<archive::TenantArchive> open_existing(const archive::TenantId& t) const;
  // --tenant T / --no-tenant selection; nullopt when neither was given.
  std::optional<archive::TenantId> selected_tenant(const Args& args) const;
  // The selected tenant, or every archive under the root.
  std::vector<archive::TenantId> selected_or_all(const Args& args) const;
  // Closes every archive this process opened (before maintenance that needs them closed: key
  // rotation, compaction). Archives handed out earlier must have been released.
  void close_archives() const { service_.reset(); }

 private:
  mutable std::shared_ptr<ingest::Service> service_;
};

archive::DeliveryId parse_id(const std::string& text);
// Who runs the command, for audit entries: the effective user's name, with " (sudo by NAME)"
// when SUDO_USER is set (recorded, not verified).
std::string invoking_user();
std::optional<util::TimeUs> parse_time_option(const Args& args, const std::string& name);
// --limit N (0 = no limit); `fallback` when not given.
std::size_t limit_option(const Args& args, std::size_t fallback = 0);

}  // namespace postjournal::cli
