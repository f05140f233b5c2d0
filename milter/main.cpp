// postjournal-milter: archives every message Postfix receives into the right tenant's archive
// before Postfix answers 250. Startup errors print one line and exit with a sysexits code.
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <string_view>
#include <thread>

#include "callbacks.hpp"
#include "config/config.hpp"
#include "housekeeping.hpp"
#include "index/follower.hpp"
#include "retention/engine.hpp"
#include "runtime.hpp"
#include "stamp/anchor.hpp"
#include "stamp/anchorer.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/privileges.hpp"

using namespace postjournal;

namespace {

constexpr const char* kUsage =
    "NAME\n"
    "       postjournal-milter - archive journal mail received by Postfix\n\n"
    "SYNOPSIS\n"
    "       postjournal-milter [-c FILE] [-f] [-n]\n\n"
    "DESCRIPTION\n"
    "       A Postfix milter (smtpd_milters) that decides which tenant each SMTP transaction\n"
    "       belongs to, reads the journal envelope and commits the message durably to that\n"
    "       tenant's archive before Postfix answers 250. Internal failures answer 451 4.3.0, a\n"
    "       full archive 452 4.3.1, so the sender retries; 550 5.7.1 only for unassigned mail\n"
    "       with `unassigned: reject`. One log line per message, e.g.\n"
    "       \"4F2A1C3D: stored tenant=acme id=acme:42 source=acme-m365 size=48213 ms=3\".\n\n"
    "       Every alerts.check_interval it checks every listener and mailbox: one that becomes\n"
    "       INACTIVE or FAILING (see postjournal status) is logged (\"alert: INACTIVE\n"
    "       source=...\") and, with alerts.email, mailed through alerts.sendmail, once per\n"
    "       episode, and again when it recovers. With metrics.file it rewrites that\n"
    "       Prometheus text file atomically every metrics.interval (node_exporter textfile\n"
    "       collector).\n\n"
    "       With index.enabled (the default) a thread keeps every tenant's full-text index up\n"
    "       to date. With timestamp.url a thread has each tenant's delivery and audit chain\n"
    "       heads stamped by that RFC 3161 TSA every timestamp.interval or\n"
    "       timestamp.max_deliveries deliveries (\"timestamp: stamped tenant=acme stamp=7\n"
    "       deliveries=120 ...\"); a TSA that fails is retried with backoff and never delays\n"
    "       mail, and a gap older than timestamp.alert_after is alerted like a source.\n\n"
    "OPTIONS\n"
    "       -c FILE     configuration (default /etc/postjournal/postjournal.yaml)\n"
    "       -f          stay in the foreground and log to stderr (systemd Type=simple, tests)\n"
    "       -n          check the configuration and exit (0 valid, 1 not)\n"
    "       -h, --help  this help\n\n"
    "SIGNALS\n"
    "       SIGUSR1 reloads the configuration (a failed reload keeps the old one); SIGTERM and\n"
    "       SIGINT stop after the current transactions.\n\n"
    "EXIT STATUS\n"
    "       0 stopped normally; 64 usage; 69 socket could not be opened; 71 privileges could not\n"
    "       be dropped; 78 configuration error.\n";

// Whether to negotiate the no-reply flags (callbacks.hpp): milter.no_reply, and for `auto` by
// socket kind. Measured with bench/run-smtp.sh (README, Performance): faster on both kinds, for
// parallel and for sequential sessions. Over TCP the feared 40 ms Nagle + delayed-ACK stall
// (TESTING.md) does not come back, because xxfi_data stays registered and every reply-less
// packet is followed by one Postfix waits on (MAIL, RCPT, end of message) in the same direction.
bool no_reply_for(const config::Config& c) {
  switch (c.milter_no_reply) {
    case config::NoReply::kYes:
      return true;
    case config::NoReply::kNo:
      return false;
    case config::NoReply::kAuto:
      break;
  }
  return true;  // unix and inet alike (the bench's four variants)
}

std::shared_ptr<const milter::Runtime> load_runtime(const std::string& path) {
  auto cfg = std::make_shared<const config::Config>(config::load_file(path));
  return std::make_shared<const milter::Runtime>(cfg, tenant::SpfChecker::resolver());
}

// After the socket is open: hand the socket to milter.user, then become that user.
bool drop_privileges(const config::Config& c) {
  if (::getuid() != 0 || c.milter_user.empty() || c.milter_user == "root") return true;
  passwd* pw = ::getpwnam(c.milter_user.c_str());
  std::string sock = c.milter_socket;
  if (pw != nullptr && (sock.rfind("unix:", 0) == 0 || sock.rfind("local:", 0) == 0)) {
    std::string path = sock.substr(sock.find(':') + 1);
    if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      util::log(util::LogLevel::kWarning, "cannot chown " + path + ": " + std::strerror(errno));
    }
  }
  std::string error;
  if (!util::drop_privileges(c.milter_user, error)) {
    util::log(util::LogLevel::kError, "milter.user: " + error);
    return false;
  }
  return true;
}

// SIGUSR1 is blocked in every thread; this one waits for it and reloads, until `stop` is set
// (main sets it and sends SIGUSR1 once more at shutdown, then joins).
void reload_loop(std::string path, ingest::Service& service, const std::atomic<bool>& stop) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  while (!stop.load()) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0 || stop.load()) continue;
    try {
      auto rt = load_runtime(path);
      service.reconfigure(rt->config);
      milter::CurrentRuntime::set(rt);
      milter::set_no_reply(no_reply_for(*rt->config));  // for connections from now on
      util::log(util::LogLevel::kInfo, "configuration reloaded from " + path);
    } catch (const std::exception& e) {
      util::log(util::LogLevel::kError,
                std::string("reload failed, keeping the old configuration: ") + e.what());
    }
  }
}

// milter.user must be able to write archive.root and milter.spool_dir: otherwise every message
// would get 451. One line naming the directory; empty when both are fine.
std::string directory_problem(const config::Config& c) {
  for (const std::string* dir : {&c.archive_root, &c.milter_spool_dir}) {
    std::string problem = util::write_problem(*dir, c.milter_user);
    if (!problem.empty()) return problem;
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = config::kDefaultConfigPath;
  bool foreground = false;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help") {
      std::cout << kUsage;
      return 0;
    }
  }
  int opt = 0;
  while ((opt = ::getopt(argc, argv, "c:fnh")) != -1) {
    switch (opt) {
      case 'c':
        path = optarg;
        break;
      case 'f':
        foreground = true;
        break;
      case 'n':
        check_only = true;
        break;
      case 'h':
        std::cout << kUsage;
        return 0;
      default:
        std::cerr << kUsage;
        return EX_USAGE;
    }
  }
  util::log_init("postjournal-milter", foreground || check_only);
  std::shared_ptr<const milter::Runtime> rt;
  try {
    rt = load_runtime(path);
  } catch (const std::exception& e) {
    std::cerr << "postjournal-milter: " << e.what() << "\n";
    return check_only ? 1 : EX_CONFIG;
  }
  if (std::string problem = directory_problem(*rt->config); !problem.empty()) {
    std::cerr << "postjournal-milter: " << problem << "\n";
    return check_only ? 1 : EX_CONFIG;
  }
  if (!rt->config->timestamp_url.empty()) {
    try {
      (void)stamp::settings_from(*rt->config);  // timestamp.ca_file, the password file
    } catch (const stamp::StampError& e) {
      std::cerr << "postjournal-milter: " << e.what() << "\n";
      return check_only ? 1 : EX_CONFIG;
    }
  }
  if (check_only) {
    std::cout << path << ": OK\n";
    return 0;
  }
  const config::Config& c = *rt->config;
  milter::CurrentRuntime::set(rt);
  std::string conn = c.milter_socket;
  if (conn.rfind("unix:", 0) == 0) {
    std::string dir = conn.substr(5, conn.rfind('/') - 5);
    try {
      if (!dir.empty()) util::make_dirs(dir);
    } catch (const std::exception& e) {
      util::log(util::LogLevel::kError, e.what());
    }
  }
  if (smfi_setconn(conn.data()) == MI_FAILURE ||
      smfi_register(milter::milter_description()) == MI_FAILURE) {
    std::cerr << "postjournal-milter: cannot register the milter on " << conn << "\n";
    return EX_SOFTWARE;
  }
  if (smfi_opensocket(1) == MI_FAILURE) {
    std::string line =
        "cannot open milter socket " + conn + " (in use, bad address or no permission)";
    std::cerr << "postjournal-milter: " << line << "\n";
    util::log(util::LogLevel::kError, line);
    return EX_UNAVAILABLE;
  }
  if (!drop_privileges(c)) return EX_OSERR;
  if (!foreground && ::daemon(0, 0) != 0) {
    std::cerr << "postjournal-milter: cannot detach: " << std::strerror(errno) << "\n";
    return EX_OSERR;
  }
  if (std::string problem = directory_problem(c); !problem.empty()) {
    util::log(util::LogLevel::kError, problem);  // as milter.user now, after daemon()
    return EX_CONFIG;
  }
  if (std::string problem = ingest::storage_problem(c); !problem.empty()) {
    util::log(util::LogLevel::kError, "not starting: " + problem);
    return EX_CONFIG;
  }
  // The process's one Service: opened after fork (LMDB), owns the archives until shutdown.
  std::unique_ptr<ingest::Service> service;
  try {
    service = std::make_unique<ingest::Service>(rt->config);
    service->state();
  } catch (const std::exception& e) {
    util::log(util::LogLevel::kError, std::string("cannot open the archive state: ") + e.what());
    return EX_CONFIG;
  }
  // RFC 3161 stamps (timestamp.url): a thread that stamps each tenant's chain heads on schedule;
  // like the indexer it only reads the archive (its stamp is a small write of its own).
  std::unique_ptr<stamp::Anchorer> anchorer;
  try {
    anchorer = stamp::start_anchorer(*service);
  } catch (const stamp::StampError& e) {
    util::log(util::LogLevel::kError, std::string("not starting: ") + e.what());
    return EX_CONFIG;
  }
  milter::set_process_service(service.get());
  milter::set_no_reply(no_reply_for(c));
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::atomic<bool> stop{false};
  std::thread reloader(reload_loop, path, std::ref(*service), std::cref(stop));
  ::signal(SIGPIPE, SIG_IGN);  // a sendmail that exits early must not kill the milter
  int rc = MI_FAILURE;
  // The indexer (index.enabled): a thread that follows the archives; it only reads them, so it
  // is never in the path of a 250. It outlives the connections (their stores notify it).
  std::unique_ptr<index::Follower> indexer;
  if (c.index_enabled) {
    ingest::Service* svc = service.get();
    indexer = std::make_unique<index::Follower>(
        c.archive_root, index::index_options(c),
        [svc](const archive::TenantId& t) { return svc->archive(t); });
    index::Follower* f = indexer.get();
    // Retention is evaluated as the index reaches new deliveries (query rules and holds need it).
    f->set_after_tenant([](archive::TenantArchive& a) {
      retention::fix(a, *milter::CurrentRuntime::get()->config, util::now_us());
    });
    service->set_on_stored([f] { f->notify(); });
    indexer->start(std::chrono::seconds(30));
  }
  {
    milter::Housekeeping housekeeping(*service);
    util::log(util::LogLevel::kInfo, "starting on " + conn + " archive=" + c.archive_root +
                                         " listeners=" + std::to_string(c.listeners.size()));
    rc = smfi_main();
  }  // housekeeping joined
  stop.store(true);
  pthread_kill(reloader.native_handle(), SIGUSR1);
  reloader.join();
  // A connection still committing finishes first; the Service outlives every Session.
  bool drained = milter::wait_for_connections(std::chrono::seconds(c.milter_commit_timeout + 5));
  if (indexer) indexer->stop();  // joined; a late notify() on it stays harmless
  if (anchorer) anchorer->stop();
  if (drained) {
    service.reset();  // drains the writers, closes the archives and the state store
    indexer.reset();
    anchorer.reset();
  } else {
    util::log(util::LogLevel::kWarning, "connections still open at exit; archives left to the OS");
    (void)service.release();  // never destroyed under a running Session
  }
  util::log(util::LogLevel::kInfo, "stopped");
  return rc == MI_SUCCESS ? 0 : EX_SOFTWARE;
}
