// postjournal doctor: reads a Postfix configuration with postconf and reports every setting that
// would lose, cut or alter journal mail, with the command that fixes it.
#include <iostream>

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
  std::string get(const std::string& name) const {
    std::vector<std::string> argv = {"postconf"};
    if (!dir_.empty()) argv.insert(argv.end(), {"-c", dir_});
    argv.insert(argv.end(), {"-h", name});
    util::ProcessResult r = util::run_capture(argv);
    if (r.exit_status != 0) {
      throw CommandError(kExitSoftware, "postconf " + (dir_.empty() ? "" : "-c " + dir_ + " ") +
                                            "-h " + name + " failed (status " +
                                            std::to_string(r.exit_status) + ")");
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
        "smtpd_milters = " + std::string(want ? *want : "unix:/run/postjournal/milter.sock"));
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
