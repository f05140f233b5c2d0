// postjournal key init|rotate|backup|status and postjournal migrate: the tenants' keys and the
// storage format (archive/maintain.hpp does the work).
#include <pwd.h>
#include <unistd.h>

#include <iostream>
#include <set>

#include "archive/key_file.hpp"
#include "archive/maintain.hpp"
#include "commands.hpp"
#include "util/file.hpp"
#include "util/json_writer.hpp"

namespace postjournal::cli {

namespace {

archive::StorageOptions storage_options(const Context& ctx) {
  return ingest::archive_options(ctx.config).storage;
}

archive::TenantId required_tenant(const Context& ctx, const Args& args, const char* what) {
  auto t = ctx.selected_tenant(args);
  if (!t) throw UsageError(std::string(what) + " needs --tenant T or --no-tenant");
  return *t;
}

// Root gives new key files to milter.user, who reads them; anyone else keeps them.
std::pair<long, long> key_owner(const Context& ctx) {
  if (::geteuid() != 0) return {-1, -1};
  const passwd* pw = ::getpwnam(ctx.config.milter_user.c_str());
  if (pw == nullptr) return {-1, -1};
  return {static_cast<long>(pw->pw_uid), static_cast<long>(pw->pw_gid)};
}

void print_progress(const std::string& line) {
  std::cerr << "postjournal: " << line << "\n";
}

// Tenants of the archive root and of the configuration, and the No Tenant queue.
std::vector<archive::TenantId> known_tenants(const Context& ctx, const Args& args) {
  if (auto t = ctx.selected_tenant(args)) return {*t};
  std::set<archive::TenantId> all;
  for (const auto& t : archive::list_tenants(ctx.root)) all.insert(t);
  for (const auto& l : ctx.config.listeners) {
    if (auto t = archive::TenantId::parse(l.tenant)) all.insert(*t);
  }
  for (const auto& m : ctx.config.mailboxes) {
    if (auto t = archive::TenantId::parse(m.tenant)) all.insert(*t);
  }
  all.insert(archive::TenantId::no_tenant());
  return {all.begin(), all.end()};
}

int key_init(const Context& ctx, const Args& args) {
  archive::TenantId t = required_tenant(ctx, args, "key init");
  auto [uid, gid] = key_owner(ctx);
  std::string path = archive::init_key(ctx.root, t, storage_options(ctx), uid, gid);
  std::cout << t.str() << ": created " << path
            << " (back it up now: postjournal key backup --tenant " << t.str() << " -o FILE)\n";
  return kExitOk;
}

int key_rotate(const Context& ctx, const Args& args) {
  archive::TenantId t = required_tenant(ctx, args, "key rotate");
  auto rep = archive::rotate_key(ctx.root, t, storage_options(ctx), print_progress);
  std::cout << t.str() << ": "
            << (rep.resumed ? "completed the interrupted rotation to" : "rotated to") << " kek "
            << rep.to << "; " << rep.blobs << " blob and " << rep.texts
            << " text data keys re-wrapped, no data rewritten\n";
  return kExitOk;
}

int key_backup(const Context& ctx, const Args& args) {
  archive::TenantId t = required_tenant(ctx, args, "key backup");
  auto out = args.value("output");
  if (!out) throw UsageError("key backup needs -o FILE");
  std::string path = archive::key_path(storage_options(ctx).key_dir, t);
  archive::KeyFile f = archive::read_key_file(path, t);
  util::AtomicFile file(*out, 0600);
  file.write(archive::render_key_file(f));
  file.commit();
  std::cout << t.str() << ": copied " << path << " to " << *out << " (mode 0600)\n";
  return kExitOk;
}

int key_status(const Context& ctx, const Args& args) {
  bool json = args.has("json");
  bool all_ok = true;
  util::JsonWriter w;
  w.begin_array();
  auto opts = storage_options(ctx);
  if (!json) {
    std::cout << "encryption of new mail: " << (opts.encrypt ? "aes-256-gcm" : "none")
              << "; key directory " << opts.key_dir << "\n";
  }
  for (const auto& t : known_tenants(ctx, args)) {
    auto s = archive::key_status(ctx.root, t, opts);
    bool needed = s.encrypted || opts.encrypt;
    bool ok = (!needed || s.file_ok) && s.matches;
    all_ok = all_ok && ok;
    if (json) {
      w.begin_object().key("tenant").value(t.str()).key("key_file").value(s.path);
      w.key("key_file_ok").value(s.file_ok).key("error").value(s.file_error);
      w.key("keks").begin_array();
      for (auto id : s.keks) w.value(static_cast<std::uint64_t>(id));
      w.end_array().key("archive").value(s.archive).key("encrypted").value(s.encrypted);
      w.key("matches").value(s.matches).key("blobs_format1").value(s.blobs_v1);
      w.key("blobs_clear").value(s.blobs_clear).key("blobs_encrypted").value(s.blobs_encrypted);
      w.key("wrapped_by_old_kek").value(s.wrapped_by_old).key("ok").value(ok).end_object();
      continue;
    }
    std::cout << t.str() << ": ";
    if (s.file_ok) {
      std::cout << "key " << s.path << " (kek " << s.keks.front();
      if (s.keks.size() > 1) std::cout << "; rotation not finished: rerun postjournal key rotate";
      std::cout << ")";
    } else {
      std::cout << (needed ? "MISSING KEY: " : "no key: ") << s.file_error;
    }
    if (!s.matches) std::cout << "; WRONG KEY: the archive was encrypted with another one";
    if (s.archive) {
      std::cout << "; archive " << (s.encrypted ? "encrypted" : "not encrypted")
                << ", blobs: " << s.blobs_encrypted << " encrypted, " << s.blobs_clear << " clear, "
                << s.blobs_v1 << " format 1";
      if (s.wrapped_by_old > 0) std::cout << ", " << s.wrapped_by_old << " under an older kek";
      if (opts.encrypt && (s.blobs_clear + s.blobs_v1) > 0) {
        std::cout << " (postjournal migrate --tenant " << t.str() << " encrypts them)";
      }
    }
    std::cout << "\n";
  }
  w.end_array();
  if (json) std::cout << w.str();
  return all_ok ? kExitOk : kExitProblem;
}

}  // namespace

int run_key(const Context& ctx, const Args& args) {
  const auto& pos = args.positional();
  if (pos.size() != 1) throw UsageError("key needs one of: init, rotate, backup, status");
  if (pos[0] == "init") return key_init(ctx, args);
  if (pos[0] == "rotate") return key_rotate(ctx, args);
  if (pos[0] == "backup") return key_backup(ctx, args);
  if (pos[0] == "status") return key_status(ctx, args);
  throw UsageError("unknown key command '" + pos[0] + "' (init, rotate, backup, status)");
}

int run_migrate(const Context& ctx, const Args& args) {
  archive::TenantId t = required_tenant(ctx, args, "migrate");
  auto rep = archive::migrate(ctx.root, t, storage_options(ctx), print_progress);
  auto size = [&](std::uint64_t pages) {
    std::uint64_t kb = (pages * rep.page_size + 512) / 1024;
    return kb >= 10240 ? std::to_string((kb + 512) / 1024) + " MB" : std::to_string(kb) + " KB";
  };
  std::cout << t.str() << ": " << (rep.resumed ? "resumed and migrated" : "migrated")
            << " to storage format 2 ("
            << (storage_options(ctx).encrypt ? "encrypted" : "not encrypted")
            << "): " << rep.deliveries << " deliveries, " << rep.blobs << " blobs, " << rep.texts
            << " cached texts re-encoded; " << size(rep.pages_before) << " -> "
            << size(rep.pages_after) << " in use; verified before the swap: OK\n";
  return kExitOk;
}

}  // namespace postjournal::cli
