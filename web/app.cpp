#include "app.hpp"

#include "archive/registry.hpp"
#include "pages.hpp"
#include "util/cidr.hpp"
#include "util/crypto.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"
#include "util/totp.hpp"

namespace postjournal::web {

Response html(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.header("Content-Type", "text/html; charset=utf-8");
  r.header("Content-Security-Policy", std::string(kPageCsp));
  return r;
}

Response json(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.header("Content-Type", "application/json");
  return r;
}

Response error(unsigned status, const std::string& message, bool api) {
  if (!api) return html(status, error_page(status, message));
  util::JsonWriter w;
  w.begin_object().key("error").value(message).end_object();
  return json(status, w.str());
}

Response redirect(const std::string& to) {
  Response r;
  r.status = 303;
  r.header("Location", to);
  return r;
}

App::App(std::shared_ptr<const config::Config> config)
    : config_(config),
      service_(config),
      accounts_(access::accounts_path(*config)),
      sessions_(std::chrono::seconds(config->web_session_ttl),
                std::chrono::seconds(config->web_session_idle)),
      throttle_(config->web_login_failures),
      header_csrf_key_(random_token()) {}

App::~App() = default;

std::shared_ptr<archive::TenantArchive> App::existing(const archive::TenantId& t) {
  if (!archive::archive_exists(config_->archive_root, t)) return nullptr;
  return service_.archive(t);
}

bool App::trusted_peer(const Request& r) const {
  if (r.unix_socket) return true;
  auto ip = util::IpAddress::parse(r.client);
  if (!ip) return false;
  if (config_->web_trusted_from.empty()) return r.client == "127.0.0.1" || r.client == "::1";
  for (const auto& c : config_->web_trusted_from) {
    if (c.contains(*ip)) return true;
  }
  return false;
}

std::optional<App::Caller> App::identify(const Request& r) {
  if (!config_->web_trusted_header.empty() && trusted_peer(r)) {
    auto name = r.header(config_->web_trusted_header);
    if (name && !name->empty()) {
      std::string addresses;
      if (!config_->web_addresses_header.empty())
        addresses = r.header(config_->web_addresses_header).value_or("");
      auto who = access::from_header(*config_, *name, addresses);
      if (!who) return std::nullopt;
      std::string csrf = util::to_hex(util::hmac_sha256(header_csrf_key_, "csrf:" + *name));
      return Caller{std::move(*who), csrf, ""};
    }
  }
  auto it = r.cookies.find("pj_session");
  if (it == r.cookies.end()) return std::nullopt;
  auto s = sessions_.find(it->second);
  if (!s || !s->who) return std::nullopt;
  return Caller{*s->who, s->csrf, s->id};
}

bool App::csrf_ok(const Request& r, const Caller& c) const {
  std::string sent =
      r.form.count("csrf") ? r.form.at("csrf") : r.header("X-CSRF-Token").value_or("");
  return !sent.empty() && util::equal_constant_time(sent, c.csrf);
}

std::string App::session_cookie(const std::string& id, const Request& r, bool clear) const {
  bool secure = config_->web_secure_cookies == config::SecureCookies::kYes ||
                (trusted_peer(r) && r.header("X-Forwarded-Proto").value_or("") == "https");
  std::string c = "pj_session=" + (clear ? std::string() : id) +
                  "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
  if (clear) c += "; Max-Age=0";
  return c;
}

std::string App::audit_user(const Caller& c, const Request& r) const {
  return "web:" + c.who.name + " (" + c.who.via + ", " +
         std::string(config::to_string(c.who.role)) + ") from " + r.client;
}

Response App::handle(const Request& r) {
  Response out;
  try {
    out = route(r);
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kError,
              "web: " + r.method + " " + r.path + " from " + r.client + " failed: " + e.what());
    out =
        error(500, "The request failed; the service log says why.", r.path.rfind("/api/", 0) == 0);
  }
  out.header("X-Content-Type-Options", "nosniff");
  out.header("Referrer-Policy", "no-referrer");
  out.header("Cache-Control", "no-store");
  bool framed = r.path.size() > 5 && r.path.compare(r.path.size() - 5, 5, "/html") == 0;
  out.header("X-Frame-Options", framed ? "SAMEORIGIN" : "DENY");
  return out;
}

Response App::route(const Request& r) {
  const std::string& p = r.path;
  bool api = p.rfind("/api/", 0) == 0;
  if (p == "/static/style.css") {
    Response s;
    s.body = std::string(style_sheet());
    s.header("Content-Type", "text/css");
    return s;
  }
  if (p == "/login") {
    if (r.method == "POST") return login(r);
    if (r.method == "GET") return login_form(r);
    return error(405, "Use GET or POST.", false);
  }
  if (p == "/favicon.ico") return error(404, "No such page.", false);
  auto caller = identify(r);
  if (!caller) {
    bool named = !config_->web_trusted_header.empty() && trusted_peer(r) &&
                 !r.header(config_->web_trusted_header).value_or("").empty();
    if (named) return error(403, "You are signed in, but web.roles gives you no role here.", api);
    if (api || r.method != "GET") return error(401, "Log in first (POST /login).", api);
    return redirect("/login");
  }
  const Caller& c = *caller;
  if (r.method == "POST") {
    if (!csrf_ok(r, c)) return error(403, "The form is stale or forged (CSRF token).", api);
    if (p == "/logout") return logout(r, c);
    if (p == "/export") return export_results(r, c);
    if (p == "/no-tenant/assign" || p == "/api/no-tenant/assign")
      return triage(r, c, "assign", api);
    if (p == "/no-tenant/delete" || p == "/api/no-tenant/delete")
      return triage(r, c, "delete", api);
    if (p == "/retention/hold" || p == "/api/retention/hold") return hold(r, c, false, api);
    if (p == "/retention/release" || p == "/api/retention/release") return hold(r, c, true, api);
    return error(404, "No such page.", api);
  }
  if (r.method != "GET" && r.method != "HEAD") return error(405, "Use GET.", api);
  if (p == "/" || p == "/search") return search(r, c, false);
  if (p == "/api/search") return search(r, c, true);
  if (p.rfind("/messages/", 0) == 0) return message(r, c, p.substr(10), false);
  if (p.rfind("/api/deliveries/", 0) == 0) return message(r, c, p.substr(16), true);
  if (p == "/audit") return audit(r, c, false);
  if (p == "/api/audit") return audit(r, c, true);
  if (p == "/status") return status(r, c, false);
  if (p == "/no-tenant") return no_tenant(r, c, false);
  if (p == "/retention") return retention(r, c, false);
  if (p == "/api/retention") return retention(r, c, true);
  if (p == "/api/no-tenant") return no_tenant(r, c, true);
  if (p == "/api/status") return status(r, c, true);
  if (p == "/api/whoami") {
    util::JsonWriter w;
    w.begin_object().key("user").value(c.who.name).key("role").value(config::to_string(c.who.role));
    w.key("via").value(c.who.via).key("csrf").value(c.csrf).key("tenants").begin_array();
    for (const auto& t : c.who.tenants) w.value(t);
    w.end_array().key("addresses").begin_array();
    for (const auto& a : c.who.addresses) w.value(a);
    w.end_array().end_object();
    return json(200, w.str());
  }
  return error(404, "No such page.", api);
}

Response App::login_form(const Request& r, const std::string& message, unsigned status) {
  // The anonymous session the browser already has is kept: a second GET /login (another tab,
  // a redirected /favicon.ico) must not invalidate the token of a form already shown.
  std::optional<Session> held;
  if (auto it = r.cookies.find("pj_session"); it != r.cookies.end())
    held = sessions_.find(it->second);
  Session s = held && !held->who ? *held : sessions_.open_anonymous();
  std::string body = "<h1>Log in</h1>";
  if (!message.empty()) body += "<p class=\"error\">" + h(message) + "</p>";
  body +=
      "<form method=\"post\" action=\"/login\"><p><label>User <input type=\"text\" "
      "name=\"username\" autocomplete=\"username\" autofocus></label></p><p><label>Password "
      "<input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label></p>"
      "<p><label>One-time code <input type=\"text\" name=\"totp\" inputmode=\"numeric\" "
      "autocomplete=\"one-time-code\" size=\"6\"></label> (accounts with TOTP only)</p>"
      "<input type=\"hidden\" name=\"csrf\" value=\"" +
      h(s.csrf) + "\"><p><button type=\"submit\">Log in</button></p></form>";
  Response out = html(status, page("Log in", nullptr, "", body));
  out.header("Set-Cookie", session_cookie(s.id, r));
  return out;
}

Response App::login(const Request& r) {
  auto it = r.cookies.find("pj_session");
  std::optional<Session> pre;
  if (it != r.cookies.end()) pre = sessions_.find(it->second);
  std::string sent = r.form.count("csrf") ? r.form.at("csrf") : "";
  if (!pre || pre->who || sent.empty() || !util::equal_constant_time(sent, pre->csrf)) {
    return login_form(r, "The login form had expired; please try again.", 403);
  }
  std::string user = r.form.count("username") ? r.form.at("username") : "";
  std::string password = r.form.count("password") ? r.form.at("password") : "";
  std::string by_user = "user:" + user, by_ip = "ip:" + r.client;
  if (throttle_.blocked(by_user) || throttle_.blocked(by_ip)) {
    util::log(util::LogLevel::kWarning,
              "web: login of '" + user + "' from " + r.client + " refused: too many failures");
    return login_form(r, "Too many failed logins; wait 15 minutes.", 429);
  }
  std::optional<access::Account> a;
  if (access::valid_account_name(user)) a = accounts_.find(user);
  // A missing account costs the same scrypt as a wrong password (no account probing by time).
  static const std::string kDummy = util::password_hash("postjournal-dummy", 15);
  bool ok = util::password_verify(password, a ? a->password_hash : kDummy) && a.has_value();
  if (ok && !a->totp_secret.empty())
    ok = second_factor(*a, r.form.count("totp") ? r.form.at("totp") : "");
  if (!ok) {
    throttle_.failed(by_user);
    throttle_.failed(by_ip);
    util::log(util::LogLevel::kWarning,
              "web: login of '" + user + "' from " + r.client + " failed");
    return login_form(r, "Wrong user, password or one-time code.", 401);
  }
  throttle_.succeeded(by_user);
  Session s = sessions_.log_in(pre->id, access::from_account(*a));
  util::log(util::LogLevel::kInfo, "web: " + user + " logged in from " + r.client);
  Response out = redirect("/search");
  out.header("Set-Cookie", session_cookie(s.id, r));
  return out;
}

bool App::second_factor(const access::Account& a, const std::string& code) {
  std::lock_guard<std::mutex> lock(totp_mu_);
  auto last = totp_used_.find(a.name);
  auto step = util::totp_match(a.totp_secret, util::trim(code), util::now_us() / 1000000,
                               last == totp_used_.end() ? 0 : last->second);
  if (!step) return false;
  totp_used_[a.name] = *step;  // each code is good once
  return true;
}

Response App::logout(const Request& r, const Caller& c) {
  if (!c.session.empty()) sessions_.end(c.session);
  Response out = redirect("/login");
  out.header("Set-Cookie", session_cookie("", r, true));
  return out;
}

}  // namespace postjournal::web
