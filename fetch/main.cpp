// postjournal-fetch: pulls journal mailboxes (IMAP/POP3) into the archive. See kUsage.
#include <getopt.h>
#include <signal.h>
#include <sysexits.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <thread>

#include "config/config.hpp"
#include "m365.hpp"
#include "puller.hpp"
#include "scheduler.hpp"
#include "stamp/anchor.hpp"
#include "stamp/anchorer.hpp"
#include "util/log.hpp"
#include "util/privileges.hpp"

using namespace postjournal;

namespace {

constexpr const char* kUsage =
    "NAME\n"
    "       postjournal-fetch - pull journal mailboxes (IMAP, POP3) and Microsoft 365\n"
    "       mailboxes (Microsoft Graph) into the archive\n\n"
    "SYNOPSIS\n"
    "       postjournal-fetch [-c FILE] --validate NAME\n"
    "       postjournal-fetch [-c FILE] --once [NAME]\n"
    "       postjournal-fetch [-c FILE] [-f]\n\n"
    "DESCRIPTION\n"
    "       Reads the `mailboxes:` of the configuration. Each message is archived exactly as the\n"
    "       server holds it, through the same extraction and archive path as mail received by\n"
    "       SMTP, into the mailbox's tenant; the delivery records the mailbox, server, protocol,\n"
    "       UID (IMAP: UIDVALIDITY and UID) or UIDL (POP3) and the server certificate's SHA-256.\n"
    "       With delete_after_indexing (the default) a message is deleted from the mailbox only\n"
    "       after it is durably archived; without it, the archive remembers what it imported\n"
    "       and never imports a message twice.\n\n"
    "       The `microsoft365:` sources are retrieved through Microsoft Graph with an Entra ID\n"
    "       application (client secret or certificate): every selected user's mail folders\n"
    "       (except skip_folders), each by delta queries, so a run fetches only what is new\n"
    "       since the last. Each message is stored once, keyed by its immutable Graph id in the\n"
    "       same transaction as the delivery, with fidelity provider-mime (Exchange generated\n"
    "       the MIME); a folder's delta link is kept only after its messages are durable.\n"
    "       Throttling (429/503 Retry-After, backoff) is honoured; at most 4 requests per\n"
    "       mailbox are in flight, parallel_mailboxes mailboxes at once. What could not be\n"
    "       retrieved (a message deleted meanwhile, a folder denied) is listed as a gap.\n\n"
    "OPTIONS\n"
    "       -c, --config FILE  configuration (default /etc/postjournal/postjournal.yaml)\n"
    "       --validate NAME    connect, TLS, verify the certificate, log in and list folders;\n"
    "                          say which step failed (resolve, connect, tls, certificate,\n"
    "                          hostname, auth, folder). For a microsoft365 source: the token,\n"
    "                          the user listing and one mailbox's folders, with Graph's error\n"
    "                          text. Exit 0 only when all is well.\n"
    "       --once [NAME]      pull every active mailbox and microsoft365 source (or only NAME,\n"
    "                          active or not) once and exit\n"
    "       -f, --foreground   daemon mode in the foreground, logging to stderr (systemd,\n"
    "                          tests); without it the daemon detaches and logs to syslog\n"
    "       -h, --help         this help\n\n"
    "DAEMON\n"
    "       Polls every active source every poll_interval seconds. A failure is logged once\n"
    "       per episode (\"mailbox=NAME failing reason=auth retry_in=30s: ...\") and retried\n"
    "       after 30 s, doubling up to 1 h; recovery is logged too. With timestamp.url it also\n"
    "       has each tenant's chains stamped by that RFC 3161 TSA, as postjournal-milter does\n"
    "       (for hosts without the milter). Started as root, it becomes\n"
    "       milter.user. SIGUSR1 reloads the configuration (a failed reload keeps the old one);\n"
    "       SIGTERM and SIGINT stop after the current message.\n\n"
    "EXIT STATUS\n"
    "       0 success; 1 --validate found a problem; 64 usage or unknown source; 75 a pull\n"
    "       failed (retry later; nothing unarchived was deleted); 78 configuration error.\n";

int run_validate(const config::Config& c, const config::Mailbox& m) {
  std::cout << "mailbox " << m.name << ": " << m.username << " at " << m.host << "\n";
  std::vector<std::string> folders;
  try {
    fetch::ConnectionFacts f = fetch::validate(c, m, &folders);
    std::cout << "  connect:  ok, " << f.protocol << "://" << f.server
              << (f.secured ? " (TLS)" : " (no TLS)") << "\n";
    if (f.secured) {
      std::cout << "  certificate: " << f.tls_peer
                << (m.validate_certificates ? ""
                                            : "  WARNING: not verified "
                                              "(validate_certificates: false)")
                << "\n";
    }
    std::cout << "  login:    ok" << (fetch::uses_oauth2(m) ? " (SASL XOAUTH2)" : "")
              << "\n  folders: ";
    for (const auto& n : folders) std::cout << " " << n;
    std::cout << "\n  folder:   " << (f.protocol.rfind("pop3", 0) == 0 ? "INBOX" : m.folder)
              << " ok\nOK\n";
    return 0;
  } catch (const fetch::FetchError& e) {
    std::cout << "FAILED (" << fetch::failure_name(e.failure()) << "): " << e.what() << "\n";
    return 1;
  }
}

const config::Mailbox* find_mailbox(const config::Config& c, const std::string& name) {
  for (const auto& m : c.mailboxes) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const config::Microsoft365* find_m365(const config::Config& c, const std::string& name) {
  for (const auto& m : c.microsoft365) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

void print_m365(const config::Microsoft365& m, const fetch::M365Report& r) {
  std::cout << m.name << ": " << r.mailboxes << " mailboxes, " << r.folders << " folders, "
            << r.listed << " listed, " << r.archived << " archived, " << r.already
            << " already archived, " << r.gone << " deleted since listed, " << r.gaps.size()
            << " gaps (" << r.requests << " requests, " << r.throttled << " throttled, waited "
            << r.waited_ms << " ms)\n";
  for (const auto& g : r.gaps) std::cout << "  gap: " << g.mailbox << ": " << g.what << "\n";
}

int run_once(std::shared_ptr<const config::Config> config, const std::string& only) {
  const config::Config& c = *config;
  if (std::string problem = ingest::storage_problem(c); !problem.empty()) {
    std::cerr << "postjournal-fetch: " << problem << "\n";
    return EX_CONFIG;
  }
  ingest::Service service(config);
  std::atomic<bool> stop{false};
  int status = 0;
  for (const auto& m : c.mailboxes) {
    if (only.empty() ? !m.active : m.name != only) continue;
    try {
      fetch::PullReport r = fetch::pull(service, c, m, stop);
      std::cout << m.name << ": " << r.listed << " listed, " << r.archived << " archived, "
                << r.already << " already archived, " << r.deleted << " deleted (" << r.protocol
                << "://" << r.server << ")\n";
    } catch (const fetch::FetchError& e) {
      std::cout << m.name << ": FAILED (" << fetch::failure_name(e.failure()) << "): " << e.what()
                << "\n";
      util::log(util::LogLevel::kWarning, "mailbox=" + m.name + " failing reason=" +
                                              fetch::failure_name(e.failure()) + ": " + e.what());
      status = EX_TEMPFAIL;
    }
  }
  for (const auto& m : c.microsoft365) {
    if (only.empty() ? !m.active : m.name != only) continue;
    try {
      print_m365(m, fetch::retrieve(service, c, m, stop));
    } catch (const fetch::FetchError& e) {
      std::cout << m.name << ": FAILED (" << fetch::failure_name(e.failure()) << "): " << e.what()
                << "\n";
      util::log(util::LogLevel::kWarning, "microsoft365=" + m.name + " failing reason=" +
                                              fetch::failure_name(e.failure()) + ": " + e.what());
      status = EX_TEMPFAIL;
    }
  }
  return status;
}

// SIGUSR1/SIGTERM/SIGINT are blocked in every thread; this one waits for them.
void signal_loop(fetch::Scheduler* sched, std::string path) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGUSR1, SIGTERM, SIGINT}) sigaddset(&set, sig);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig != SIGUSR1) {
      sched->stop();
      return;
    }
    try {
      sched->reload(std::make_shared<const config::Config>(config::load_file(path)));
      util::log(util::LogLevel::kInfo, "configuration reloaded from " + path);
    } catch (const std::exception& e) {
      util::log(util::LogLevel::kError,
                std::string("reload failed, keeping the old configuration: ") + e.what());
    }
  }
}

int run_daemon(std::shared_ptr<const config::Config> c, const std::string& path, bool foreground) {
  std::string error;
  if (!util::drop_privileges(c->milter_user, error)) {
    util::log(util::LogLevel::kError, "milter.user: " + error);
    return EX_OSERR;
  }
  if (!foreground && ::daemon(0, 0) != 0) {
    std::cerr << "postjournal-fetch: cannot detach: " << std::strerror(errno) << "\n";
    return EX_OSERR;
  }
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGUSR1, SIGTERM, SIGINT}) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::size_t active = 0;
  for (const auto& m : c->mailboxes) active += m.active ? 1 : 0;
  util::log(util::LogLevel::kInfo,
            "starting archive=" + c->archive_root + " mailboxes=" + std::to_string(active));
  if (std::string problem = ingest::storage_problem(*c); !problem.empty()) {
    util::log(util::LogLevel::kError, "not starting: " + problem);
    return EX_CONFIG;
  }
  ingest::Service service(c);  // after daemon(): the archives are opened in this process
  // RFC 3161 stamps (timestamp.url) for hosts without the milter: the same stamper as the
  // milter's (a host running both has each tenant stamped once: a stamp closes the gap for both).
  std::unique_ptr<stamp::Anchorer> anchorer;
  try {
    anchorer = stamp::start_anchorer(service);
  } catch (const stamp::StampError& e) {
    util::log(util::LogLevel::kError, std::string("not starting: ") + e.what());
    return EX_CONFIG;
  }
  fetch::Scheduler sched(service, std::move(c));
  std::thread signals(signal_loop, &sched, path);
  sched.run();
  signals.join();
  if (anchorer) anchorer->stop();
  util::log(util::LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = config::kDefaultConfigPath;
  std::string validate;
  bool once = false;
  bool foreground = false;
  static const option kOptions[] = {
      {"config", required_argument, nullptr, 'c'}, {"validate", required_argument, nullptr, 'V'},
      {"once", no_argument, nullptr, 'o'},         {"foreground", no_argument, nullptr, 'f'},
      {"help", no_argument, nullptr, 'h'},         {nullptr, 0, nullptr, 0}};
  int opt = 0;
  while ((opt = ::getopt_long(argc, argv, "c:fh", kOptions, nullptr)) != -1) {
    switch (opt) {
      case 'c':
        path = optarg;
        break;
      case 'V':
        validate = optarg;
        break;
      case 'o':
        once = true;
        break;
      case 'f':
        foreground = true;
        break;
      case 'h':
        std::cout << kUsage;
        return 0;
      default:
        std::cerr << kUsage;
        return EX_USAGE;
    }
  }
  std::string only = optind < argc ? argv[optind++] : "";
  if (optind < argc || (!once && !only.empty()) || (once && !validate.empty())) {
    std::cerr << kUsage;
    return EX_USAGE;
  }
  util::log_init("postjournal-fetch", foreground || once || !validate.empty());
  std::shared_ptr<const config::Config> c;
  try {
    c = std::make_shared<const config::Config>(config::load_file(path));
  } catch (const std::exception& e) {
    std::cerr << "postjournal-fetch: " << e.what() << "\n";
    return EX_CONFIG;
  }
  for (const std::string* name : {&validate, &only}) {
    if (!name->empty() && find_mailbox(*c, *name) == nullptr && find_m365(*c, *name) == nullptr) {
      std::cerr << "postjournal-fetch: no mailbox or microsoft365 source named '" << *name
                << "' in " << path << "\n";
      return EX_USAGE;
    }
  }
  if (!validate.empty()) {
    if (const auto* m = find_m365(*c, validate)) return fetch::validate_m365(*m, std::cout) ? 0 : 1;
    return run_validate(*c, *find_mailbox(*c, validate));
  }
  if (once) return run_once(c, only);
  return run_daemon(std::move(c), path, foreground);
}
