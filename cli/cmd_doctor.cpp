// postjournal doctor: reads a Postfix configuration with postconf and reports every setting that
// would lose, cut or alter journal mail, with the command that fixes it.
#include <sys/stat.h>

#include <iostream>

#include <map>
#include <sstream>

#include "commands.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace postjournal::cli {

namespace {

struct Finding {
  bool ok;
  std::string line;
};

class Postconf {
 public:
  explicit Postconf(std::string dir) : dir_(std::move(dir)) {}
  std::string get(const std::string& name) const { return run({"-h", name}); }
  // master.cf: every "service/type/field = value" line (postconf -F).
  std::string master_fields() const { return run({"-F"}); }

  std::string run(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"postconf"};
    if (!dir_.empty()) argv.insert(argv.end(), {"-c", dir_});
    argv.insert(argv.end(), args.begin(), args.end());
    util::ProcessResult r = util::run_capture(argv);
    if (r.exit_status != 0) {
      std::string line = "postconf";
      for (std::size_t i = 1; i < argv.size(); ++i) line += " " + argv[i];
      throw CommandError(kExitSoftware,
                         line + " failed (status " + std::to_string(r.exit_status) + ")");
    }
    return std::string(util::trim(r.output));
  }

 private:
  std::string dir_;
};

bool contains_word(const std::string& list, const std::string& word) {
  std::string padded = " " + list + " ";
  for (char& c : padded) {
    if (c == ',' || c == '\t' || c == '\n') c = ' ';
  }
  return padded.find(" " + word + " ") != std::string::npos;
}

// True when an inet service of master.cf runs smtpd chrooted (Debian's stock master.cf does).
bool smtpd_chrooted(const std::string& fields) {
  std::map<std::string, std::string> f;
  std::istringstream in(fields);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find(" = ");
    if (eq != std::string::npos) f[line.substr(0, eq)] = line.substr(eq + 3);
  }
  for (const auto& [key, value] : f) {
    if (key.ends_with("/inet/command") && value.rfind("smtpd", 0) == 0) {
      auto service = key.substr(0, key.size() - std::string("/command").size());
      if (f[service + "/chroot"] == "y") return true;
    }
  }
  return false;
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::uint64_t number(const std::string& v) {
  unsigned long long n = 0;
  return util::parse_u64(v, n) ? n : 0;
}

}  // namespace

int run_doctor(const Context&, const Args& args) {
  std::string dir = args.value("config").value_or(args.value("postfix-dir").value_or(""));
  Postconf pc(dir);
  std::string pc_c = dir.empty() ? "postconf" : "postconf -c " + dir;
  std::vector<Finding> out;
  auto check = [&](const std::string& name, bool good, const std::string& why,
                   const std::string& fix) {
    std::string value = pc.get(name);
    out.push_back(
        {good,
         std::string(good ? "OK   " : "FIX  ") + name + " = " + value +
             (good ? "" : "\n       " + why + "\n       fix: " + pc_c + " -e '" + fix + "'")});
  };
  std::string milters = pc.get("smtpd_milters");
  auto want = args.value("milter");
  check("smtpd_milters", !milters.empty() && (!want || contains_word(milters, *want)),
        "Postfix must hand every message to postjournal-milter",
        "smtpd_milters = " + std::string(want ? *want : "unix:/postjournal/milter.sock"));
  // A chrooted smtpd sees the file system from queue_directory: a unix socket outside it (or
  // named by its full host path) is unreachable, and every message would get 451.
  if (smtpd_chrooted(pc.master_fields())) {
    std::string qdir = pc.get("queue_directory");
    std::string list = milters;
    for (char& c : list) c = c == ',' ? ' ' : c;
    for (const auto& m : util::split_blanks(list)) {
      if (m.rfind("unix:", 0) != 0 && m.rfind("local:", 0) != 0) continue;
      std::string path = m.substr(m.find(':') + 1);
      std::string seen = qdir + path;
      bool good = path.rfind(qdir + "/", 0) != 0 && is_dir(seen.substr(0, seen.rfind('/')));
      std::string line = std::string(good ? "OK   " : "FIX  ") + "smtpd_milters " + m +
                         " (smtpd is chrooted in " + qdir + ": it opens " + seen + ")";
      if (!good) {
        std::string inside = path.rfind(qdir + "/", 0) == 0 ? path.substr(qdir.size()) : path;
        line += "\n       a chrooted smtpd cannot reach a socket outside " + qdir +
                "\n       fix: set milter.socket: unix:" + qdir + inside + " and " + pc_c +
                " -e 'smtpd_milters = unix:" + inside + "'";
      }
      out.push_back({good, line});
    }
  }
  check("milter_default_action", pc.get("milter_default_action") == "tempfail",
        "when the milter is unreachable, mail must be deferred (4xx), not accepted unarchived",
        "milter_default_action = tempfail");
  check("milter_protocol", pc.get("milter_protocol") == "6", "postjournal-milter speaks protocol 6",
        "milter_protocol = 6");
  check("milter_mail_macros", contains_word(pc.get("milter_mail_macros"), "{auth_authen}"),
        "the smtp listener method needs the SASL login",
        "milter_mail_macros = i {auth_type} {auth_authen} {auth_author} {mail_addr}");
  std::string helo = pc.get("milter_helo_macros");
  check("milter_helo_macros",
        contains_word(helo, "{tls_version}") && contains_word(helo, "{cipher}"),
        "TLS facts are part of each delivery's evidence",
        "milter_helo_macros = {tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}");
  check("milter_end_of_data_macros", contains_word(pc.get("milter_end_of_data_macros"), "i"),
        "the queue id ties the archive to Postfix's log", "milter_end_of_data_macros = i");
  std::uint64_t size = number(pc.get("message_size_limit"));
  check("message_size_limit", size == 0 || size >= 157286400,
        "Microsoft 365 sends journal reports of up to 150 MB; a smaller limit bounces them (5xx)",
        "message_size_limit = 157286400");
  check("header_size_limit", number(pc.get("header_size_limit")) >= 4194304,
        "Postfix silently cuts headers longer than this (a report's copied To/Cc can be huge)",
        "header_size_limit = 4194304");
  check("line_length_limit", number(pc.get("line_length_limit")) >= 1048576,
        "Postfix breaks longer lines, so the archived bytes would differ from what was sent",
        "line_length_limit = 1048576");
  check("smtpd_forbid_bare_newline", pc.get("smtpd_forbid_bare_newline") == "normalize",
        "bare LF smuggling must be neutralised without rejecting (5xx) journal reports",
        "smtpd_forbid_bare_newline = normalize");
  std::string flow = pc.get("in_flow_delay");
  check("in_flow_delay", flow == "0" || flow == "0s",
        "messages the milter discards never reach the queue manager, so flow control stalls "
        "each session 1 s per message under load",
        "in_flow_delay = 0");
  bool all_ok = true;
  for (const auto& f : out) {
    std::cout << f.line << "\n";
    all_ok = all_ok && f.ok;
  }
  std::cout << (all_ok ? "Postfix is wired safely for postjournal.\n"
                       : "Fix the settings above (scripts/postfix-setup.sh does all of them), then "
                         "postfix reload.\n");
  return all_ok ? kExitOk : kExitProblem;
}

}  // namespace postjournal::cli
