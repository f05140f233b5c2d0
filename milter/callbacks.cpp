#include "callbacks.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

#include "session.hpp"
#include "util/log.hpp"

namespace postjournal::milter {

namespace {

Session* session_of(SMFICTX* ctx) {
  return static_cast<Session*>(smfi_getpriv(ctx));
}

std::string macro(SMFICTX* ctx, const char* name) {
  const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
  return v == nullptr ? std::string() : std::string(v);
}

sfsistat to_milter(SMFICTX* ctx, const Reply& r) {
  if (!r.rcode.empty()) {
    std::string text = r.text;
    for (char& c : text) {
      if (c == '%' || c == '\r' || c == '\n') c = ' ';  // smfi_setreply formats and lines
    }
    smfi_setreply(ctx, const_cast<char*>(r.rcode.c_str()), const_cast<char*>(r.xcode.c_str()),
                  const_cast<char*>(text.c_str()));
  }
  switch (r.action) {
    case Action::kContinue:
      return SMFIS_CONTINUE;
    case Action::kAccept:
      return SMFIS_ACCEPT;
    case Action::kDiscard:
      return SMFIS_DISCARD;
    case Action::kTempfail:
      return SMFIS_TEMPFAIL;
    case Action::kReject:
      return SMFIS_REJECT;
  }
  return SMFIS_TEMPFAIL;
}

// The one exception barrier: a Session step that throws becomes 451 4.3.0.
template <class F>
sfsistat guarded(SMFICTX* ctx, const char* step, F&& f) {
  try {
    Session* s = session_of(ctx);
    if (s == nullptr) return to_milter(ctx, {Action::kTempfail, "451", "4.3.0", "no session"});
    return to_milter(ctx, f(*s));
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kError, std::string("milter ") + step + " failed: " + e.what());
  } catch (...) {
    util::log(util::LogLevel::kError, std::string("milter ") + step + " failed");
  }
  if (Session* s = session_of(ctx)) s->abort();
  return to_milter(ctx, {Action::kTempfail, "451", "4.3.0", "archive error, try again later"});
}

std::string address_of(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa == nullptr) return {};
  if (sa->sa_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, sa, sizeof in);
    inet_ntop(AF_INET, &in.sin_addr, buf, sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, sa, sizeof in6);
    inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof buf);
  }
  return buf;
}

sfsistat on_negotiate(SMFICTX*, unsigned long, unsigned long f1, unsigned long, unsigned long,
                      unsigned long* pf0, unsigned long* pf1, unsigned long* pf2,
                      unsigned long* pf3) {
  *pf0 = 0;                       // no modification actions
  *pf1 = f1 & SMFIP_HDR_LEADSPC;  // header values exactly as received, leading space included
  *pf2 = 0;
  *pf3 = 0;
  return SMFIS_CONTINUE;
}

sfsistat on_connect(SMFICTX* ctx, char*, _SOCK_ADDR* addr) {
  try {
    auto rt = CurrentRuntime::get();
    auto* s = new Session(rt);  // owned by libmilter's private pointer until on_close
    smfi_setpriv(ctx, s);
  } catch (...) {
    return SMFIS_TEMPFAIL;
  }
  std::string ip = address_of(addr);
  return guarded(ctx, "connect", [&](Session& s) { return s.connect(ip); });
}

sfsistat on_helo(SMFICTX* ctx, char* helo) {
  return guarded(ctx, "helo", [&](Session& s) { return s.helo(helo ? helo : ""); });
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
  std::string from = argv && argv[0] ? argv[0] : "";
  std::string sasl = macro(ctx, "{auth_authen}");
  return guarded(ctx, "mail", [&](Session& s) { return s.mail_from(from, sasl); });
}

sfsistat on_envrcpt(SMFICTX* ctx, char** argv) {
  std::string rcpt = argv && argv[0] ? argv[0] : "";
  return guarded(ctx, "rcpt", [&](Session& s) { return s.rcpt(rcpt); });
}

sfsistat on_data(SMFICTX*) {
  return SMFIS_CONTINUE;
}

sfsistat on_unknown(SMFICTX*, const char*) {
  return SMFIS_CONTINUE;
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
  std::string n = name ? name : "";
  std::string v = value ? value : "";
  return guarded(ctx, "header", [&](Session& s) { return s.header(n, v); });
}

sfsistat on_eoh(SMFICTX* ctx) {
  return guarded(ctx, "eoh", [](Session& s) { return s.end_of_headers(); });
}

sfsistat on_body(SMFICTX* ctx, unsigned char* chunk, size_t len) {
  std::string_view bytes(reinterpret_cast<const char*>(chunk), len);
  return guarded(ctx, "body", [&](Session& s) { return s.body(bytes); });
}

sfsistat on_eom(SMFICTX* ctx) {
  EndFacts facts{macro(ctx, "i"), macro(ctx, "{tls_version}"), macro(ctx, "{cipher}")};
  return guarded(ctx, "eom", [&](Session& s) {
    return s.end_of_message(facts, [ctx] { smfi_progress(ctx); });
  });
}

sfsistat on_abort(SMFICTX* ctx) {
  if (Session* s = session_of(ctx)) s->abort();
  return SMFIS_CONTINUE;
}

sfsistat on_close(SMFICTX* ctx) {
  delete session_of(ctx);
  smfi_setpriv(ctx, nullptr);
  return SMFIS_CONTINUE;
}

}  // namespace

smfiDesc& milter_description() {
  static char name[] = "postjournal";
  static smfiDesc desc = {
      name,   SMFI_VERSION, 0,      on_connect, on_helo,  on_envfrom, on_envrcpt, on_header,
      on_eoh, on_body,      on_eom, on_abort,   on_close, on_unknown, on_data,    on_negotiate,
  };
  return desc;
}

}  // namespace postjournal::milter
