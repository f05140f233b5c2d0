// postjournal user add|list|remove|password|totp: postjournal-web's local accounts
// (access/accounts.hpp).
#include <iostream>

#include "access/accounts.hpp"
#include "commands.hpp"
#include "render.hpp"
#include "util/crypto.hpp"
#include "util/file.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"
#include "util/totp.hpp"

namespace postjournal::cli {

namespace {

// The first line of --password-file F ("-": standard input); at least 8 characters.
std::string read_password(const Args& args) {
  auto f = args.value("password-file");
  if (!f) throw UsageError("--password-file F is required (the first line is the password)");
  std::string text;
  try {
    text = *f == "-" ? util::read_all(0, "standard input") : util::read_file(*f);
  } catch (const std::exception& e) {
    throw CommandError(kExitNoInput, e.what());
  }
  std::string pw = text.substr(0, text.find('\n'));
  if (!pw.empty() && pw.back() == '\r') pw.pop_back();
  if (pw.size() < 8)
    throw CommandError(kExitDataErr, "the password must have 8 characters or more");
  return pw;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

}  // namespace

int run_user(const Context& ctx, const Args& args) {
  const auto& pos = args.positional();
  if (pos.empty()) throw UsageError("usage: postjournal user add|list|remove|password|totp ...");
  access::AccountStore store(access::accounts_path(ctx.config));
  const std::string& sub = pos[0];
  try {
    if (sub == "list") {
      if (pos.size() != 1) throw UsageError("usage: postjournal user list [--json]");
      auto all = store.list();
      if (args.has("json")) {
        util::JsonWriter w;
        w.begin_array();
        for (const auto& a : all) {
          w.begin_object().key("name").value(a.name).key("role").value(config::to_string(a.role));
          for (const auto& [k, v] :
               {std::pair{"tenants", &a.tenants}, std::pair{"domains", &a.domains},
                std::pair{"addresses", &a.addresses}}) {
            w.key(k).begin_array();
            for (const auto& s : *v) w.value(s);
            w.end_array();
          }
          w.key("totp").value(!a.totp_secret.empty()).end_object();
        }
        w.end_array();
        std::cout << w.str();
        return kExitOk;
      }
      std::cout << "NAME                     ROLE      TOTP TENANTS          ADDRESSES / DOMAINS\n";
      for (const auto& a : all) {
        std::cout << pad(a.name, 24) << " " << pad(std::string(config::to_string(a.role)), 9) << " "
                  << (a.totp_secret.empty() ? "no   " : "yes  ") << pad(joined(a.tenants), 16)
                  << " "
                  << (a.role == config::Role::kUser ? joined(a.addresses) : joined(a.domains))
                  << "\n";
      }
      return kExitOk;
    }
    if (pos.size() != 2) throw UsageError("usage: postjournal user " + sub + " NAME ...");
    const std::string& name = pos[1];
    if (sub == "add") {
      access::Account a;
      a.name = name;
      auto role = args.value("role");
      if (!role || !config::parse_role(*role, a.role))
        throw UsageError("--role is operator, auditor or user");
      a.tenants = args.values("tenant");
      a.domains = args.values("domain");
      a.addresses = args.values("address");
      a.password_hash = util::password_hash(read_password(args));
      store.add(a);
      util::log(util::LogLevel::kInfo,
                "web account added name=" + name + " role=" + *role + " by=" + invoking_user());
      std::cout << "account " << name << " (" << *role << ") added to " << store.path() << "\n";
      return kExitOk;
    }
    if (sub == "remove") {
      if (!store.remove(name)) throw CommandError(kExitProblem, "no account '" + name + "'");
      util::log(util::LogLevel::kInfo,
                "web account removed name=" + name + " by=" + invoking_user());
      std::cout << "account " << name << " removed (its open sessions end within "
                << "web.session_idle, or at once when postjournal-web restarts)\n";
      return kExitOk;
    }
    if (sub == "totp") {
      std::string secret = args.has("off") ? "" : util::totp_new_secret();
      store.set_totp(name, secret);
      util::log(util::LogLevel::kInfo, "web account totp " +
                                           std::string(secret.empty() ? "removed" : "set") +
                                           " name=" + name + " by=" + invoking_user());
      if (secret.empty()) {
        std::cout << "one-time codes no longer needed for " << name << "\n";
      } else {
        std::cout << "secret: " << secret
                  << "\nuri:    " << util::totp_uri("postjournal", name, secret) << "\nFrom now on "
                  << name << " logs in with the password and the current code.\n";
      }
      return kExitOk;
    }
    if (sub == "password") {
      store.set_password(name, util::password_hash(read_password(args)));
      std::cout << "password of " << name << " changed\n";
      return kExitOk;
    }
  } catch (const access::AccountError& e) {
    throw CommandError(kExitDataErr, e.what());
  } catch (const std::system_error& e) {
    throw CommandError(kExitSoftware, e.what());
  }
  throw UsageError("unknown user subcommand '" + sub + "' (add, list, remove, password, totp)");
}

}  // namespace postjournal::cli
