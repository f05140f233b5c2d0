#include "config/validate.hpp"

#include <algorithm>
#include <map>

namespace postjournal::config {

namespace {

std::string at(int line, const std::string& msg) {
  return std::to_string(line) + ": " + msg;
}

std::string check_listener(const Listener& l) {
  std::string who = "listener '" + l.name + "'";
  bool uses_ips = l.method == AuthMethod::kIp || l.method == AuthMethod::kIpDomain;
  bool uses_domain = l.method == AuthMethod::kIpDomain || l.method == AuthMethod::kSpf;
  bool uses_username = l.method == AuthMethod::kSmtp;
  std::string method(to_string(l.method));
  if (uses_ips && l.ips.empty())
    return at(l.line, who + ": auth.method " + method + " needs auth.ips");
  if (!uses_ips && !l.ips.empty()) {
    return at(l.line, who + ": auth.ips is not used by auth.method " + method);
  }
  if (uses_domain && l.domain.empty()) {
    return at(l.line, who + ": auth.method " + method + " needs auth.domain");
  }
  if (!uses_domain && !l.domain.empty()) {
    return at(l.line, who + ": auth.domain is not used by auth.method " + method);
  }
  if (uses_username && l.username.empty())
    return at(l.line, who + ": auth.method smtp needs auth.username");
  if (!uses_username && !l.username.empty()) {
    return at(l.line, who + ": auth.username is not used by auth.method " + method);
  }
  return {};
}

std::string check_mailbox(const Mailbox& m) {
  std::string who = "mailbox '" + m.name + "'";
  bool google = !m.oauth2_google_service_account_file.empty();
  int ways = (m.password.empty() ? 0 : 1) + (m.password_file.empty() ? 0 : 1) +
             (m.oauth2_microsoft365.empty() ? 0 : 1) + (google ? 1 : 0);
  if (ways != 1) {
    return at(m.line, who +
                          ": give exactly one of password, password_file, "
                          "oauth2.microsoft365 and oauth2.google_service_account_file");
  }
  if (!m.oauth2_token_url.empty() && !google) {
    return at(m.line, who + ": oauth2.token_url belongs to oauth2.google_service_account_file");
  }
  bool implicit_tls = m.protocol == MailProtocol::kImaps || m.protocol == MailProtocol::kPop3s;
  if (implicit_tls && m.starttls != StartTls::kNo) {
    return at(m.line, who + ": starttls applies to imap and pop3, not to the TLS protocols");
  }
  return {};
}

bool https_url(const std::string& u) {
  return u.rfind("https://", 0) == 0 && u.size() > 8;
}

std::string check_microsoft365(const Microsoft365& m) {
  std::string who = "microsoft365 '" + m.name + "'";
  if (m.client_secret_file.empty() == m.certificate_file.empty()) {
    return at(m.line, who + ": give exactly one of client_secret_file and certificate_file");
  }
  if (m.certificate_file.empty() != m.private_key_file.empty()) {
    return at(m.line, who + ": certificate_file and private_key_file go together");
  }
  if (m.users.empty()) return at(m.line, who + ": users is empty (all, addresses or {group: ID})");
  for (const auto& u : m.users) {
    bool special = u == "all" || u.rfind("group:", 0) == 0;
    if (special && m.users.size() > 1) {
      return at(m.line, who + ": users is all, a list of addresses or {group: ID}, not a mix");
    }
    if (!special && u.find('@') == std::string::npos) {
      return at(m.line, who + ": users: '" + u + "' is not a user principal name (name@domain)");
    }
  }
  for (const auto& f : m.skip_folders) {
    if (f.rfind("group:", 0) == 0) return at(m.line, who + ": skip_folders is a list of names");
  }
  for (const auto& [key, url] : {std::pair{"login_url", m.login_url}, {"graph_url", m.graph_url}}) {
    if (!https_url(url) || url.back() == '/') {
      return at(m.line, who + ": " + key + " '" + url +
                            "' is not an https:// URL (without a "
                            "trailing /)");
    }
  }
  return {};
}

bool header_name(const std::string& h) {
  return std::all_of(h.begin(), h.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-';
  });
}

// Top-level settings have no line of their own: the message names the key.
std::string check_web(const Config& c) {
  for (const auto& [key, v] : {std::pair{"web.trusted_header", c.web_trusted_header},
                               std::pair{"web.addresses_header", c.web_addresses_header}}) {
    if (!header_name(v)) {
      return std::string(" ") + key + ": '" + v +
             "' is not a header name (letters, digits and -: X-Remote-User)";
    }
  }
  if (!c.web_addresses_header.empty() && c.web_trusted_header.empty())
    return " web.addresses_header needs web.trusted_header (both come from the front door)";
  const std::string& l = c.web_listen;
  if (l.rfind("unix:", 0) == 0) {
    if (l.size() < 7 || l[5] != '/') return " web.listen: unix: needs an absolute path";
  } else if (auto colon = l.rfind(':'); colon == std::string::npos || colon + 1 == l.size()) {
    return " web.listen: '" + l + "' is not ADDRESS:PORT or unix:/path";
  }
  return {};
}

}  // namespace

std::string auth_key(const Listener& l) {
  std::vector<std::string> nets;
  for (const auto& c : l.ips) nets.push_back(c.str());
  std::sort(nets.begin(), nets.end());
  nets.erase(std::unique(nets.begin(), nets.end()), nets.end());
  std::string key = std::string(to_string(l.method)) + "|";
  for (const auto& n : nets) key += n + ",";
  return key + "|" + l.domain + "|" + l.username + "|" + l.recipient;
}

std::string validate(const Config& c) {
  if (auto err = check_web(c); !err.empty()) return err;
  std::map<std::string, int> names;
  std::map<std::string, const Listener*> auths;
  for (const auto& l : c.listeners) {
    if (auto err = check_listener(l); !err.empty()) return err;
    if (auto [it, fresh] = names.emplace(l.name, l.line); !fresh) {
      return at(l.line, "listener name '" + l.name + "' is already used at line " +
                            std::to_string(it->second));
    }
    if (auto [it, fresh] = auths.emplace(auth_key(l), &l); !fresh) {
      return at(l.line, "listener '" + l.name + "' has the same authentication settings as '" +
                            it->second->name + "' (line " + std::to_string(it->second->line) +
                            "); mail could not be told apart");
    }
  }
  for (const auto& m : c.microsoft365) {
    if (auto err = check_microsoft365(m); !err.empty()) return err;
    if (auto [it, fresh] = names.emplace(m.name, m.line); !fresh) {
      return at(m.line, "source name '" + m.name + "' is already used at line " +
                            std::to_string(it->second));
    }
  }
  for (const auto& m : c.mailboxes) {
    if (auto err = check_mailbox(m); !err.empty()) return err;
    if (auto [it, fresh] = names.emplace(m.name, m.line); !fresh) {
      return at(m.line, "source name '" + m.name + "' is already used at line " +
                            std::to_string(it->second));
    }
    if (!m.oauth2_microsoft365.empty()) {
      bool known =
          std::any_of(c.microsoft365.begin(), c.microsoft365.end(),
                      [&](const Microsoft365& x) { return x.name == m.oauth2_microsoft365; });
      if (!known) {
        return at(m.line, "mailbox '" + m.name + "': oauth2.microsoft365 '" +
                              m.oauth2_microsoft365 + "' names no microsoft365 entry");
      }
    }
  }
  return {};
}

}  // namespace postjournal::config
