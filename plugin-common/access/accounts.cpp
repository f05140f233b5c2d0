#include "access/accounts.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <system_error>

#include "archive/tenant_id.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"
#include "util/totp.hpp"

namespace postjournal::access {

namespace {

constexpr std::string_view kHeader = "# postjournal web accounts v1";

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::vector<std::string> list_field(const std::string& s) {
  if (s.empty()) return {};
  return split(s, ',');
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<Account> parse(const std::string& text, const std::string& path) {
  std::vector<Account> out;
  int line = 0;
  for (const auto& l : split(text, '\n')) {
    ++line;
    if (l.empty() || l[0] == '#') continue;
    auto f = split(l, '\t');
    Account a;
    if ((f.size() != 6 && f.size() != 7) || !config::parse_role(f[1], a.role)) {
      throw AccountError(path + ":" + std::to_string(line) +
                         ": damaged account line (expected 6 or 7 tab-separated fields)");
    }
    a.name = f[0];
    a.tenants = list_field(f[2]);
    a.domains = list_field(f[3]);
    a.addresses = list_field(f[4]);
    a.password_hash = f[5];
    if (f.size() == 7) a.totp_secret = f[6];
    out.push_back(std::move(a));
  }
  return out;
}

std::string format(const std::vector<Account>& accounts) {
  std::string out = std::string(kHeader) + "\n";
  for (const auto& a : accounts) {
    out += a.name + "\t" + std::string(config::to_string(a.role)) + "\t" + join(a.tenants) + "\t" +
           join(a.domains) + "\t" + join(a.addresses) + "\t" + a.password_hash +
           (a.totp_secret.empty() ? "" : "\t" + a.totp_secret) + "\n";
  }
  return out;
}

std::vector<Account> read_accounts(const std::string& path) {
  std::string text;
  try {
    text = util::read_file(path);
  } catch (const std::system_error& e) {
    if (e.code().value() == ENOENT) return {};
    throw;
  }
  return parse(text, path);
}

// Exclusive flock of path.lock for one read-modify-write.
class Locked {
 public:
  explicit Locked(const std::string& path)
      : fd_(::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (!fd_.valid() || ::flock(fd_.get(), LOCK_EX) != 0) {
      throw std::system_error(errno, std::generic_category(), "cannot lock " + path + ".lock");
    }
  }

 private:
  util::UniqueFd fd_;
};

// Written by root, the file goes to whoever owns its directory (the archive root: the services'
// user), so that postjournal-web, running as that user, can read it.
void write_accounts(const std::string& path, const std::vector<Account>& all) {
  util::replace_file(path, format(all), 0600);
  if (::geteuid() != 0) return;
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || st.st_uid == 0) return;
  if (::chown(path.c_str(), st.st_uid, st.st_gid) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot chown " + path);
  }
}

bool clean(const std::string& s) {
  for (char c : s) {
    if (c == '\t' || c == '\n' || c == '\r' || c == ',' || static_cast<unsigned char>(c) < 0x20)
      return false;
  }
  return true;
}

}  // namespace

bool valid_account_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string check_account(const Account& a) {
  if (!valid_account_name(a.name))
    return "'" + a.name + "' is not an account name (1..128 of A-Z a-z 0-9 . _ @ + -)";
  for (const auto& t : a.tenants) {
    if (t != "*" && !archive::TenantId::parse(t)) return "'" + t + "' is not a tenant id (or *)";
  }
  for (const auto& v : a.addresses) {
    if (v.find('@') == std::string::npos || !clean(v)) return "'" + v + "' is not a mail address";
  }
  for (const auto& v : a.domains) {
    if (v.empty() || !clean(v)) return "'" + v + "' is not a domain";
  }
  if (a.role == config::Role::kAuditor && a.tenants.empty())
    return "an auditor needs --tenant (or --tenant '*')";
  if (a.role != config::Role::kAuditor && !a.domains.empty())
    return "--domain limits an auditor only";
  if (a.role == config::Role::kUser && a.addresses.empty())
    return "a user needs at least one --address (he sees the mail of his addresses)";
  if (a.role != config::Role::kUser && !a.addresses.empty())
    return "--address belongs to the user role";
  if (a.password_hash.empty() || !clean(a.password_hash)) return "no usable password hash";
  if (!a.totp_secret.empty() && (!util::base32_decode(a.totp_secret) || !clean(a.totp_secret)))
    return "the TOTP secret is not base32";
  return {};
}

AccountStore::AccountStore(std::string path) : path_(std::move(path)) {}

std::vector<Account> AccountStore::list() const {
  return read_accounts(path_);
}

std::optional<Account> AccountStore::find(const std::string& name) const {
  for (auto& a : list()) {
    if (a.name == name) return a;
  }
  return std::nullopt;
}

void AccountStore::add(const Account& a) {
  if (auto err = check_account(a); !err.empty()) throw AccountError(err);
  Locked lock(path_);
  auto all = read_accounts(path_);
  for (const auto& o : all) {
    if (o.name == a.name) throw AccountError("account '" + a.name + "' exists already");
  }
  Account stored = a;
  for (auto& v : stored.addresses) v = util::to_lower_ascii(v);
  for (auto& v : stored.domains) v = util::to_lower_ascii(v);
  all.push_back(std::move(stored));
  write_accounts(path_, all);
}

bool AccountStore::remove(const std::string& name) {
  Locked lock(path_);
  auto all = read_accounts(path_);
  auto before = all.size();
  std::erase_if(all, [&](const Account& a) { return a.name == name; });
  if (all.size() == before) return false;
  write_accounts(path_, all);
  return true;
}

namespace {
// One read-modify-write of account `name` under the lock; AccountError when it does not exist.
void update(const std::string& path, const std::string& name,
            const std::function<void(Account&)>& change) {
  Locked lock(path);
  auto all = read_accounts(path);
  bool found = false;
  for (auto& a : all) {
    if (a.name == name) {
      change(a);
      if (auto err = check_account(a); !err.empty()) throw AccountError(err);
      found = true;
    }
  }
  if (!found) throw AccountError("no account '" + name + "'");
  write_accounts(path, all);
}
}  // namespace

void AccountStore::set_password(const std::string& name, const std::string& password_hash) {
  update(path_, name, [&](Account& a) { a.password_hash = password_hash; });
}

void AccountStore::set_totp(const std::string& name, const std::string& secret) {
  update(path_, name, [&](Account& a) { a.totp_secret = secret; });
}

std::string accounts_path(const config::Config& c) {
  return c.web_users_file.empty() ? c.archive_root + "/web-users" : c.web_users_file;
}

}  // namespace postjournal::access
