#include "mail_store.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <chrono>
#include <limits>
#include <mutex>

#include <vmime/net/imap/IMAPFolder.hpp>
#include <vmime/net/imap/IMAPMessage.hpp>
#include <vmime/platforms/posix/posixHandler.hpp>
#include <vmime/security/sasl/SASLMechanismFactory.hpp>
#include <vmime/security/sasl/XOAuth2SASLAuthenticator.hpp>
#include <vmime/security/sasl/XOAuth2SASLMechanism.hpp>

#include "tls_trust.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace postjournal::fetch {

namespace {

using Clock = std::chrono::steady_clock;
// A server that sends nothing for this long is given up on (vmime checks while it waits).
constexpr auto kIoTimeout = std::chrono::seconds(120);

class DeadlineHandler : public vmime::net::timeoutHandler {
 public:
  bool isTimeOut() override { return Clock::now() - last_ > kIoTimeout; }
  void resetTimeOut() override { last_ = Clock::now(); }
  bool handleTimeOut() override { return false; }  // cancel the operation

 private:
  Clock::time_point last_ = Clock::now();
};

class DeadlineFactory : public vmime::net::timeoutHandlerFactory {
 public:
  std::shared_ptr<vmime::net::timeoutHandler> create() override {
    return std::make_shared<DeadlineHandler>();
  }
};

void init_vmime_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    vmime::platform::setHandler<vmime::platforms::posix::posixHandler>();
    // Debian's vmime 0.9.2 ships the XOAUTH2 mechanism but does not register it (only GNU
    // SASL's mechanisms are known): without this, "No SASL mechanism available".
    vmime::security::sasl::SASLMechanismFactory::getInstance()
        ->registerMechanism<vmime::security::sasl::XOAuth2SASLMechanism>("XOAUTH2");
  });
}

bool is_pop3(config::MailProtocol p) {
  return p == config::MailProtocol::kPop3 || p == config::MailProtocol::kPop3s;
}

const char* scheme(config::MailProtocol p) {
  switch (p) {
    case config::MailProtocol::kImap:
      return "imap";
    case config::MailProtocol::kImaps:
      return "imaps";
    case config::MailProtocol::kPop3:
      return "pop3";
    case config::MailProtocol::kPop3s:
      return "pop3s";
  }
  return "imap";
}

void check_resolves(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    throw FetchError(Failure::kResolve,
                     "cannot resolve host name " + host + ": " + ::gai_strerror(rc));
  }
  ::freeaddrinfo(res);
}

// Runs `op`, turning vmime's exceptions into FetchError. `what` says what was being done.
template <typename Op>
auto classified(const std::string& what, Op&& op) -> decltype(op()) {
  namespace ex = vmime::exceptions;
  namespace cert = vmime::security::cert;
  try {
    return op();
  } catch (const FetchError&) {
    throw;
  } catch (const cert::serverIdentityException& e) {
    throw FetchError(Failure::kHostname,
                     what + ": the server certificate does not name this host (" + e.what() + ")");
  } catch (const cert::certificateException& e) {
    throw FetchError(Failure::kCertificate,
                     what + ": server certificate not trusted (" + std::string(e.what()) + ")");
  } catch (const ex::authentication_error& e) {
    throw FetchError(Failure::kAuth, what + ": authentication failed (" + e.response() + ")");
  } catch (const vmime::exceptions::authentication_exception& e) {
    throw FetchError(Failure::kAuth, what + ": authentication failed (" + e.what() + ")");
  } catch (const ex::tls_exception& e) {
    throw FetchError(Failure::kTls, what + ": TLS failed (" + std::string(e.what()) + ")");
  } catch (const ex::folder_not_found& e) {
    throw FetchError(Failure::kFolder, what + ": folder not found (" + e.what() + ")");
  } catch (const ex::socket_exception& e) {
    throw FetchError(Failure::kConnect, what + ": connection failed (" + e.what() + ")");
  } catch (const ex::operation_timed_out&) {
    throw FetchError(Failure::kConnect, what + ": the server did not answer in time");
  } catch (const ex::command_error& e) {
    throw FetchError(Failure::kProtocol, what + ": the server refused " + e.command() + " (" +
                                             std::string(util::trim(e.response())) + ")");
  } catch (const vmime::exception& e) {
    throw FetchError(Failure::kProtocol, what + ": " + e.name() + ": " + e.what());
  } catch (const std::exception& e) {
    throw FetchError(Failure::kProtocol, what + ": " + e.what());
  }
}

vmime::net::folder::path folder_path(const std::string& name) {
  vmime::net::folder::path p;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = std::min(name.find('/', start), name.size());
    if (end > start)
      p.appendComponent(vmime::net::folder::path::component(name.substr(start, end - start)));
    start = end + 1;
  }
  return p;
}

}  // namespace

struct MailStore::Impl {
  config::Mailbox box;
  std::string password;
  ConnectionFacts facts;
  std::shared_ptr<RecordingVerifier> verifier;
  std::shared_ptr<vmime::net::session> session;
  std::shared_ptr<vmime::net::store> store;
  std::shared_ptr<vmime::net::folder> folder;
  std::vector<std::shared_ptr<vmime::net::message>> messages;  // of the open folder, by number
};

MailStore::MailStore(const config::Mailbox& m, std::string secret)
    : impl_(std::make_unique<Impl>()) {
  init_vmime_once();
  impl_->box = m;
  impl_->password = std::move(secret);
  std::uint16_t port = m.port != 0 ? static_cast<std::uint16_t>(m.port) : default_port(m.protocol);
  impl_->facts.server = m.host + ":" + std::to_string(port);
  impl_->facts.protocol = scheme(m.protocol);
  if (m.starttls != config::StartTls::kNo) impl_->facts.protocol += "+starttls";
}

MailStore::~MailStore() {
  (void)close(false);
}

const ConnectionFacts& MailStore::facts() const {
  return impl_->facts;
}

void MailStore::connect() {
  auto& s = *impl_;
  check_resolves(s.box.host);
  s.verifier = std::make_shared<RecordingVerifier>(s.box);
  classified("connect to " + s.facts.server, [&] {
    s.session = vmime::net::session::create();
    std::uint16_t port =
        s.box.port != 0 ? static_cast<std::uint16_t>(s.box.port) : default_port(s.box.protocol);
    s.store = s.session->getStore(vmime::utility::url(scheme(s.box.protocol), s.box.host, port));
    s.store->setProperty("auth.username", s.box.username);
    if (uses_oauth2(s.box)) {
      // SASL XOAUTH2 only: "user=NAME^Aauth=Bearer TOKEN^A^A"; never a password fallback.
      s.store->setProperty("auth.accesstoken", s.password);
      s.store->setProperty("options.sasl", true);
      s.store->setProperty("options.sasl.fallback", false);
      s.store->setAuthenticator(std::make_shared<vmime::security::sasl::XOAuth2SASLAuthenticator>(
          vmime::security::sasl::XOAuth2SASLAuthenticator::MODE_EXCLUSIVE));
    } else {
      s.store->setProperty("auth.password", s.password);
    }
    if (s.box.starttls != config::StartTls::kNo) {
      s.store->setProperty("connection.tls", true);
      s.store->setProperty("connection.tls.required",
                           s.box.starttls == config::StartTls::kRequired);
    }
    s.store->setCertificateVerifier(s.verifier);
    s.store->setTimeoutHandlerFactory(std::make_shared<DeadlineFactory>());
    s.store->connect();
  });
  s.facts.secured = s.store->isSecuredConnection();
  s.facts.tls_peer = s.facts.secured ? s.verifier->peer() : std::string();
  s.facts.verified = s.facts.secured && s.box.validate_certificates;
}

std::vector<std::string> MailStore::folders() {
  auto& s = *impl_;
  return classified("list folders", [&] {
    std::vector<std::string> out;
    for (const auto& f : s.store->getRootFolder()->getFolders(true)) {
      out.push_back(f->getFullPath().toString("/", vmime::charsets::UTF_8));
    }
    return out;
  });
}

void MailStore::open_folder() {
  auto& s = *impl_;
  std::string name = is_pop3(s.box.protocol) ? "INBOX" : s.box.folder;
  classified("open folder " + name, [&] {
    s.folder = is_pop3(s.box.protocol) ? s.store->getDefaultFolder()
                                       : s.store->getFolder(folder_path(name));
    if (!s.folder->exists()) {
      throw FetchError(Failure::kFolder,
                       "folder '" + name + "' does not exist on " + s.facts.server);
    }
    s.folder->open(vmime::net::folder::MODE_READ_WRITE, true);
  });
}

std::vector<RemoteMessage> MailStore::list() {
  auto& s = *impl_;
  return classified("list messages", [&] {
    std::vector<RemoteMessage> out;
    s.messages.clear();
    if (s.folder->getMessageCount() == 0) return out;
    s.messages =
        s.folder->getMessages(vmime::net::messageSet::byNumber(1, static_cast<std::size_t>(-1)));
    s.folder->fetchMessages(s.messages,
                            vmime::net::fetchAttributes::UID | vmime::net::fetchAttributes::SIZE);
    std::string prefix = "pop3 ";
    if (auto imap = std::dynamic_pointer_cast<vmime::net::imap::IMAPFolder>(s.folder)) {
      prefix = "imap " + std::to_string(imap->getUIDValidity()) + " ";
    }
    for (const auto& m : s.messages) {
      out.push_back({m->getNumber(), prefix + static_cast<std::string>(m->getUID()), m->getSize()});
    }
    return out;
  });
}

std::string MailStore::fetch(const RemoteMessage& rm) {
  auto& s = *impl_;
  return classified("fetch message " + std::to_string(rm.number), [&] {
    if (rm.number == 0 || rm.number > s.messages.size()) {
      throw FetchError(Failure::kProtocol, "no message " + std::to_string(rm.number));
    }
    std::string raw;
    vmime::utility::outputStreamStringAdapter os(raw);
    auto& msg = s.messages[rm.number - 1];
    if (auto imap = std::dynamic_pointer_cast<vmime::net::imap::IMAPMessage>(msg)) {
      imap->extract(os, nullptr, 0, std::numeric_limits<std::size_t>::max(),
                    true);  // peek: keep \Seen as is
    } else {
      msg->extract(os);
    }
    os.flush();
    // vmime's POP3 extraction drops the CRLF that ends the message's last line (it treats it as
    // part of the terminating "CRLF.CRLF"); RFC 1939 says it belongs to the message.
    if (is_pop3(s.box.protocol) && raw.size() + 2 == rm.size) raw += "\r\n";
    return raw;
  });
}

void MailStore::mark_deleted(const RemoteMessage& rm) {
  auto& s = *impl_;
  classified("delete message " + std::to_string(rm.number),
             [&] { s.folder->deleteMessages(vmime::net::messageSet::byNumber(rm.number)); });
}

bool MailStore::close(bool expunge) noexcept {
  auto& s = *impl_;
  bool ok = true;
  try {
    if (s.folder && s.folder->isOpen()) {
      if (expunge && !is_pop3(s.box.protocol)) {
        // vmime's IMAP close(true) sends CLOSE and hangs up without reading the reply, so
        // the expunge could still be running (or be lost) when we report it done. EXPUNGE
        // waits for the server's tagged OK.
        s.folder->expunge();
        s.folder->close(false);
      } else {
        s.folder->close(expunge);  // POP3: close(false) sends RSET, unflagging DELE
      }
    }
  } catch (const std::exception&) {
    ok = false;  // a broken connection: nothing flagged is lost, the next run redoes it
  }
  try {
    // POP3 commits DELE at QUIT, which disconnect() sends.
    if (s.store && s.store->isConnected()) s.store->disconnect();
  } catch (const std::exception&) {
    ok = false;
  }
  s.messages.clear();
  s.folder.reset();
  s.store.reset();
  s.session.reset();
  return ok;
}

bool uses_oauth2(const config::Mailbox& m) {
  return !m.oauth2_microsoft365.empty() || !m.oauth2_google_service_account_file.empty();
}

std::string read_password(const config::Mailbox& m) {
  if (m.password_file.empty()) return m.password;
  std::string text;
  try {
    text = util::read_file(m.password_file);
  } catch (const std::exception& e) {
    throw FetchError(Failure::kConfig, "cannot read password_file: " + std::string(e.what()));
  }
  std::string first(text.substr(0, text.find('\n')));
  if (!first.empty() && first.back() == '\r') first.pop_back();
  if (first.empty()) {
    throw FetchError(Failure::kConfig, "password_file " + m.password_file + " is empty");
  }
  return first;
}

std::uint16_t default_port(config::MailProtocol p) {
  switch (p) {
    case config::MailProtocol::kImap:
      return 143;
    case config::MailProtocol::kImaps:
      return 993;
    case config::MailProtocol::kPop3:
      return 110;
    case config::MailProtocol::kPop3s:
      return 995;
  }
  return 0;
}

const char* failure_name(Failure f) {
  switch (f) {
    case Failure::kConfig:
      return "config";
    case Failure::kResolve:
      return "resolve";
    case Failure::kConnect:
      return "connect";
    case Failure::kTls:
      return "tls";
    case Failure::kCertificate:
      return "certificate";
    case Failure::kHostname:
      return "hostname";
    case Failure::kAuth:
      return "auth";
    case Failure::kFolder:
      return "folder";
    case Failure::kProtocol:
      return "protocol";
    case Failure::kArchive:
      return "archive";
    case Failure::kBusy:
      return "busy";
  }
  return "unknown";
}

}  // namespace postjournal::fetch
