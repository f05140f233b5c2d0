#include "callbacks.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "no_reply.hpp"
#include "replies.hpp"
#include "session.hpp"
#include "util/log.hpp"

namespace postjournal::milter {

namespace {

std::atomic<bool> g_no_reply{true};

// Open connections (Connection objects), so that main() can wait for them at shutdown.
std::mutex g_open_mu;
std::condition_variable g_open_cv;
std::size_t g_open = 0;

// libmilter's private pointer: created at negotiation (or connect), deleted at close.
struct Connection {
  unsigned long no_reply = 0;  // the SMFIP_NR_* flags agreed for this connection
  std::unique_ptr<Session> session;
};

Connection* connection_of(SMFICTX* ctx) {
  return static_cast<Connection*>(smfi_getpriv(ctx));
}

Connection* ensure_connection(SMFICTX* ctx) {
  Connection* c = connection_of(ctx);
  if (c == nullptr) {
    auto owned = std::make_unique<Connection>();
    if (smfi_setpriv(ctx, owned.get()) != MI_SUCCESS) return nullptr;
    c = owned.release();  // owned by libmilter's private pointer until on_close
    std::lock_guard lock(g_open_mu);
    ++g_open;
  }
  return c;
}

std::string macro(SMFICTX* ctx, const char* name) {
  const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
  return v == nullptr ? std::string() : std::string(v);
}

std::string arg(const char* s) {
  return s == nullptr ? std::string() : std::string(s);
}

sfsistat to_milter(SMFICTX* ctx, util::Outcome o) {
  const Reply& r = reply_for(o);
  if (r.rcode[0] != '\0') {
    // The texts are fixed (replies.cpp): no '%' or line breaks, which smfi_setreply would read.
    smfi_setreply(ctx, const_cast<char*>(r.rcode), const_cast<char*>(r.xcode),
                  const_cast<char*>(r.text));
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

void log_failure(const char* step, const char* what) {
  util::log(util::LogLevel::kError, std::string("milter ") + step + " failed: " + what);
}

// The one exception barrier for steps that answer: `f` (argument conversion included) runs
// inside it; an exception becomes kInternal (451 4.3.0) and resets the message.
template <class F>
sfsistat guarded(SMFICTX* ctx, const char* step, F&& f) {
  try {
    Connection* c = connection_of(ctx);
    if (c == nullptr || !c->session) return to_milter(ctx, util::Outcome::kInternal);
    return to_milter(ctx, f(*c->session));
  } catch (const std::exception& e) {
    log_failure(step, e.what());
  } catch (...) {
    log_failure(step, "unknown exception");
  }
  Connection* c = connection_of(ctx);
  if (c != nullptr && c->session) c->session->abort();
  return to_milter(ctx, util::Outcome::kInternal);
}

// The barrier for steps that may have been negotiated as no-reply (`flag`): `f` runs inside it;
// an exception is remembered by the Session and answered at end of message. Returns
// SMFIS_NOREPLY when the MTA agreed not to wait for this step's answer.
template <class F>
sfsistat quiet(SMFICTX* ctx, unsigned long flag, const char* step, F&& f) {
  Connection* c = connection_of(ctx);
  try {
    if (c != nullptr && c->session) f(*c->session);
  } catch (const std::exception& e) {
    log_failure(step, e.what());
    if (c != nullptr && c->session) c->session->fail_later(std::string(step) + ": " + e.what());
  } catch (...) {
    log_failure(step, "unknown exception");
    if (c != nullptr && c->session) c->session->fail_later(step);
  }
  return c != nullptr && (c->no_reply & flag) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
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

sfsistat on_negotiate(SMFICTX* ctx, unsigned long, unsigned long f1, unsigned long, unsigned long,
                      unsigned long* pf0, unsigned long* pf1, unsigned long* pf2,
                      unsigned long* pf3) {
  unsigned long want = SMFIP_HDR_LEADSPC;  // header values exactly as received
  if (g_no_reply.load()) want |= kNoReplyFlags;
  *pf0 = 0;  // no modification actions
  *pf1 = f1 & want;
  *pf2 = 0;
  *pf3 = 0;
  try {
    Connection* c = ensure_connection(ctx);
    if (c == nullptr) return SMFIS_TEMPFAIL;
    c->no_reply = *pf1 & kNoReplyFlags;
  } catch (...) {
    return SMFIS_TEMPFAIL;
  }
  return SMFIS_CONTINUE;
}

// A connection whose Session could not be made answers 451 at MAIL FROM (guarded()).
sfsistat on_connect(SMFICTX* ctx, char*, _SOCK_ADDR* addr) {
  Connection* c = nullptr;
  try {
    c = ensure_connection(ctx);
    if (c != nullptr) {
      c->session = std::make_unique<Session>(CurrentRuntime::get(), process_service());
      c->session->connect(address_of(addr));
    }
  } catch (const std::exception& e) {
    log_failure("connect", e.what());
    if (c != nullptr) c->session.reset();
  } catch (...) {
    log_failure("connect", "unknown exception");
    if (c != nullptr) c->session.reset();
  }
  return c != nullptr && (c->no_reply & SMFIP_NR_CONN) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

sfsistat on_helo(SMFICTX* ctx, char* helo) {
  return quiet(ctx, SMFIP_NR_HELO, "helo", [&](Session& s) { s.helo(arg(helo)); });
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
  return guarded(ctx, "mail", [&](Session& s) {
    return s.mail_from(argv != nullptr ? arg(argv[0]) : std::string(), macro(ctx, "{auth_authen}"));
  });
}

sfsistat on_envrcpt(SMFICTX* ctx, char** argv) {
  return guarded(ctx, "rcpt", [&](Session& s) {
    return s.rcpt(argv != nullptr ? arg(argv[0]) : std::string());
  });
}

sfsistat on_data(SMFICTX* ctx) {
  return quiet(ctx, SMFIP_NR_DATA, "data", [](Session&) {});
}

sfsistat on_unknown(SMFICTX* ctx, const char*) {
  return quiet(ctx, SMFIP_NR_UNKN, "unknown", [](Session&) {});
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
  return quiet(ctx, SMFIP_NR_HDR, "header", [&](Session& s) { s.header(arg(name), arg(value)); });
}

sfsistat on_eoh(SMFICTX* ctx) {
  return quiet(ctx, SMFIP_NR_EOH, "eoh", [](Session& s) { s.end_of_headers(); });
}

sfsistat on_body(SMFICTX* ctx, unsigned char* chunk, size_t len) {
  return quiet(ctx, SMFIP_NR_BODY, "body", [&](Session& s) {
    s.body(std::string_view(reinterpret_cast<const char*>(chunk), len));
  });
}

sfsistat on_eom(SMFICTX* ctx) {
  return guarded(ctx, "eom", [&](Session& s) {
    EndFacts facts{macro(ctx, "i"), macro(ctx, "{tls_version}"), macro(ctx, "{cipher}")};
    return s.end_of_message(facts, [ctx] { smfi_progress(ctx); });
  });
}

sfsistat on_abort(SMFICTX* ctx) {
  if (Connection* c = connection_of(ctx); c != nullptr && c->session) c->session->abort();
  return SMFIS_CONTINUE;
}

sfsistat on_close(SMFICTX* ctx) {
  std::unique_ptr<Connection> owned(connection_of(ctx));
  smfi_setpriv(ctx, nullptr);
  if (owned) {
    owned.reset();  // the Session (and its hold on the Service) ends here
    {
      std::lock_guard lock(g_open_mu);
      --g_open;
    }
    g_open_cv.notify_all();
  }
  return SMFIS_CONTINUE;
}

}  // namespace

bool wait_for_connections(std::chrono::seconds limit) {
  std::unique_lock lock(g_open_mu);
  return g_open_cv.wait_for(lock, limit, [] { return g_open == 0; });
}

void set_no_reply(bool enabled) {
  g_no_reply.store(enabled);
}

smfiDesc& milter_description() {
  static char name[] = "postjournal";
  static smfiDesc desc = {
      name,   SMFI_VERSION, 0,      on_connect, on_helo,  on_envfrom, on_envrcpt, on_header,
      on_eoh, on_body,      on_eom, on_abort,   on_close, on_unknown, on_data,    on_negotiate,
  };
  return desc;
}

}  // namespace postjournal::milter
