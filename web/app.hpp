// postjournal-web's application: routes a Request to its handler and returns the Response
// (server.cpp does the HTTP). Routes (README, Web):
//   GET  /login  POST /login  POST /logout        local accounts (password, and the TOTP code
//                                                 of accounts that have one); sessions.hpp
//   GET  /search                                  the search form and a page of results
//   POST /export                                  a result set as mbox or a zip of .eml + manifest
//   GET  /messages/ID  /messages/ID/html  /messages/ID/raw  /messages/ID/original
//        /messages/ID/attachments/N               one delivery: page, sanitised HTML, bytes
//   GET  /audit?tenant=T                          a tenant's audit log (operator, auditor)
//   GET  /status                                  sources, tenants and indexes (operator)
//   GET  /no-tenant  POST /no-tenant/assign  POST /no-tenant/delete
//                                                 the No Tenant queue and its triage (operator)
//   GET  /api/search?tenant=T&q=Q&limit=N&offset=N&sort=date|relevance
//   GET  /api/deliveries/ID  /api/deliveries/ID/raw  /api/deliveries/ID/original
//   GET  /retention?tenant=T  POST /retention/hold  POST /retention/release
//                                                 retention summary and legal holds
//   GET  /api/audit?tenant=T  /api/status  /api/whoami  /api/no-tenant  /api/retention?tenant=T
//   POST /api/retention/hold (tenant, name, kind, scope, reason)  /api/retention/release
//   POST /api/no-tenant/assign (id, tenant, reason)  /api/no-tenant/delete (id, reason)
// Identity: the session cookie of a local login, or the front door's web.trusted_header when the
// request comes from web.trusted_from or the Unix socket (then no session is needed). A
// delivery that does not exist, was removed, is of another tenant or is not his to read answers
// the same 404. Every search, view, download and export is audited (access_log.hpp) before the
// response leaves. Handler failures are logged and answered 500 without detail.
// Thread-safe: handle() is called from every worker thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "access/accounts.hpp"
#include "access/identity.hpp"
#include "access_log.hpp"
#include "config/config.hpp"
#include "http.hpp"
#include "ingest/ingest.hpp"
#include "sessions.hpp"

namespace postjournal::web {

class App {
 public:
  explicit App(std::shared_ptr<const config::Config> config);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  Response handle(const Request& r);
  const AccessLog& access_log() const { return log_; }

  // What a handler knows about the caller.
  struct Caller {
    access::Identity who;
    std::string csrf;     // the token his forms carry
    std::string session;  // empty for front-door identities
  };

 private:
  Response route(const Request& r);
  std::optional<Caller> identify(const Request& r);
  bool trusted_peer(const Request& r) const;
  bool csrf_ok(const Request& r, const Caller& c) const;
  std::string session_cookie(const std::string& id, const Request& r, bool clear = false) const;
  std::string audit_user(const Caller& c, const Request& r) const;

  Response login_form(const Request& r, const std::string& message = {}, unsigned status = 200);
  Response login(const Request& r);
  // The account's TOTP code (util/totp.hpp), each step accepted once per account.
  bool second_factor(const access::Account& a, const std::string& code);
  Response logout(const Request& r, const Caller& c);
  Response search(const Request& r, const Caller& c, bool api);
  Response export_results(const Request& r, const Caller& c);
  Response message(const Request& r, const Caller& c, const std::string& rest, bool api);
  Response audit(const Request& r, const Caller& c, bool api);
  Response status(const Request& r, const Caller& c, bool api);
  Response no_tenant(const Request& r, const Caller& c, bool api);
  Response retention(const Request& r, const Caller& c, bool api);
  Response hold(const Request& r, const Caller& c, bool release, bool api);
  std::optional<archive::TenantId> retention_tenant(const Request& r, const Caller& c,
                                                    std::vector<archive::TenantId>& seen);
  // action: "assign" or "delete".
  Response triage(const Request& r, const Caller& c, const std::string& action, bool api);

  // The tenant's archive when it exists (never created here), else nullptr.
  std::shared_ptr<archive::TenantArchive> existing(const archive::TenantId& t);

  std::shared_ptr<const config::Config> config_;
  ingest::Service service_;
  access::AccountStore accounts_;
  Sessions sessions_;
  LoginThrottle throttle_;
  std::mutex totp_mu_;
  std::map<std::string, std::int64_t> totp_used_;  // account -> last accepted TOTP step
  std::string header_csrf_key_;  // CSRF tokens of front-door identities: HMAC(key, name)
  AccessLog log_;
};

// Response helpers shared by the handler files.
Response html(unsigned status, std::string body);
Response json(unsigned status, std::string body);
Response error(unsigned status, const std::string& message, bool api);
Response redirect(const std::string& to);

}  // namespace postjournal::web
