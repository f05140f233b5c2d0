// postjournal-web's local accounts (`postjournal user add|list|remove|password`): a small text
// file, one account per line (name, role, tenants, domains, addresses, scrypt password hash and,
// optionally, a TOTP secret; tab-separated, lists comma-separated), mode 0600, replaced atomically
// under an flock of FILE.lock so two commands never lose each other's change. Names: 1..128 of
// [A-Za-z0-9._@+-]. Errors: AccountError with a message for the operator (file:line for a damaged
// file, an existing or unknown name); std::system_error for I/O. Thread-safe: every call reads the
// file afresh.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace postjournal::access {

struct AccountError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Account {
  std::string name;
  config::Role role = config::Role::kUser;
  std::vector<std::string> tenants;
  std::vector<std::string> domains;
  std::vector<std::string> addresses;
  std::string password_hash;  // util::password_hash
  std::string totp_secret;    // base32 (util/totp.hpp); empty: no second factor
  bool operator==(const Account&) const = default;
};

bool valid_account_name(std::string_view name);

// The same rules as web.roles (config/web_roles.hpp): "" or a message.
std::string check_account(const Account& a);

class AccountStore {
 public:
  explicit AccountStore(std::string path);
  const std::string& path() const { return path_; }

  // Every account, in file order; empty when the file does not exist.
  std::vector<Account> list() const;
  std::optional<Account> find(const std::string& name) const;
  // Throws AccountError when the name is taken or the account breaks check_account.
  void add(const Account& a);
  // False when there was no such account.
  bool remove(const std::string& name);
  // Throws AccountError when there is no such account.
  void set_password(const std::string& name, const std::string& password_hash);
  // Sets (a base32 secret) or clears ("") the account's TOTP secret. AccountError as above.
  void set_totp(const std::string& name, const std::string& secret);

 private:
  std::string path_;
};

// <archive.root>/web-users unless web.users_file is set.
std::string accounts_path(const config::Config& c);

}  // namespace postjournal::access
