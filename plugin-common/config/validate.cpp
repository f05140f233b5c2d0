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
  if (m.password.empty() == m.password_file.empty()) {
    return at(m.line, who + ": give exactly one of password and password_file");
  }
  bool implicit_tls = m.protocol == MailProtocol::kImaps || m.protocol == MailProtocol::kPop3s;
  if (implicit_tls && m.starttls != StartTls::kNo) {
    return at(m.line, who + ": starttls applies to imap and pop3, not to the TLS protocols");
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
  for (const auto& m : c.mailboxes) {
    if (auto err = check_mailbox(m); !err.empty()) return err;
    if (auto [it, fresh] = names.emplace(m.name, m.line); !fresh) {
      return at(m.line, "source name '" + m.name + "' is already used at line " +
                            std::to_string(it->second));
    }
  }
  return {};
}

}  // namespace postjournal::config
