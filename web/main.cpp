// postjournal-web: the archive in a browser. See kUsage.
#include <getopt.h>
#include <signal.h>
#include <sysexits.h>
#include <unistd.h>

#include <iostream>

#include "app.hpp"
#include "config/config.hpp"
#include "server.hpp"
#include "util/log.hpp"
#include "util/privileges.hpp"

using namespace postjournal;

namespace {

constexpr const char* kUsage =
    "NAME\n"
    "       postjournal-web - the archive in a browser: search, read, export, audit\n\n"
    "SYNOPSIS\n"
    "       postjournal-web [-c FILE] [-f]\n"
    "       postjournal-web [-c FILE] --check\n\n"
    "DESCRIPTION\n"
    "       Serves server-rendered HTML and a JSON API (README, Web) on web.listen - loopback\n"
    "       or a Unix socket; TLS and single sign-on come from the web server in front\n"
    "       (conf/apache/postjournal.conf). Users log in with local accounts (postjournal user\n"
    "       add; a TOTP code too after postjournal user totp) or are named by the front door\n"
    "       in web.trusted_header and given a role by web.roles. An operator sees the status of\n"
    "       sources and indexes and the audit logs and triages the No Tenant queue (assign or\n"
    "       delete with a reason, as postjournal assign|delete do); an auditor sees the mail\n"
    "       of his tenants and places and releases their legal holds, a user sees the\n"
    "       deliveries he took part in (BCC included). Every search, view, download and export\n"
    "       is written to the tenant's audit log before the answer leaves. Besides those audit\n"
    "       entries the service writes only what triage and holds write; it never creates a\n"
    "       tenant's archive except as the target of an assign.\n\n"
    "OPTIONS\n"
    "       -c, --config FILE  configuration (default /etc/postjournal/postjournal.yaml)\n"
    "       --check            load the configuration and the account file, print where it\n"
    "                          would listen, and exit\n"
    "       -f, --foreground   log to stderr as well as syslog (systemd, tests)\n"
    "       -h, --help         this help\n\n"
    "SIGNALS\n"
    "       SIGTERM and SIGINT stop after the requests in progress. Started as root it becomes\n"
    "       milter.user after opening its socket.\n\n"
    "EXIT STATUS\n"
    "       0 stopped cleanly; 64 usage; 69 cannot listen; 78 configuration error.\n";

}  // namespace

int main(int argc, char** argv) {
  std::string path = "/etc/postjournal/postjournal.yaml";
  bool foreground = false, check = false;
  static const option kOptions[] = {{"config", required_argument, nullptr, 'c'},
                                    {"foreground", no_argument, nullptr, 'f'},
                                    {"check", no_argument, nullptr, 'k'},
                                    {"help", no_argument, nullptr, 'h'},
                                    {nullptr, 0, nullptr, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "c:fh", kOptions, nullptr)) != -1) {
    switch (opt) {
      case 'c':
        path = optarg;
        break;
      case 'f':
        foreground = true;
        break;
      case 'k':
        check = true;
        break;
      case 'h':
        std::cout << kUsage;
        return 0;
      default:
        std::cerr << kUsage;
        return EX_USAGE;
    }
  }
  if (optind < argc) {
    std::cerr << kUsage;
    return EX_USAGE;
  }
  util::log_init("postjournal-web", foreground || check);
  std::shared_ptr<const config::Config> c;
  try {
    c = std::make_shared<const config::Config>(config::load_file(path));
    access::AccountStore(access::accounts_path(*c)).list();
  } catch (const std::exception& e) {
    std::cerr << "postjournal-web: " << e.what() << "\n";
    return EX_CONFIG;
  }
  if (check) {
    std::cout << "postjournal-web: configuration ok; would listen on " << c->web_listen
              << "; accounts in " << access::accounts_path(*c) << "\n";
    return 0;
  }
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before any thread starts: they inherit it
  try {
    web::App app(c);
    web::Server server(app, *c);
    if (::geteuid() == 0) {
      std::string error;
      if (!util::drop_privileges(c->milter_user, error)) {
        std::cerr << "postjournal-web: " << error << "\n";
        return EX_CONFIG;
      }
    }
    util::log(util::LogLevel::kInfo,
              "web: listening on " + server.address() + " (archive " + c->archive_root + ")");
    int sig = 0;
    sigwait(&stop, &sig);
    util::log(util::LogLevel::kInfo, "web: stopping on signal " + std::to_string(sig));
  } catch (const std::exception& e) {
    std::cerr << "postjournal-web: " << e.what() << "\n";
    return EX_UNAVAILABLE;
  }
  return 0;
}
