#include "util/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <mutex>

namespace postjournal::util {

namespace {
std::string g_ident = "postjournal";
bool g_stderr = true;
std::mutex g_mu;
}  // namespace

void log_init(const std::string& ident, bool to_stderr) {
  std::lock_guard lock(g_mu);
  g_ident = ident;
  g_stderr = to_stderr;
  if (!to_stderr) openlog(g_ident.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void log(LogLevel level, const std::string& line) {
  static constexpr int kPriority[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
  static constexpr const char* kLabel[] = {"error: ", "warning: ", "", "debug: "};
  auto i = static_cast<int>(level);
  std::lock_guard lock(g_mu);
  if (!g_stderr) {
    syslog(kPriority[i], "%s%s", kLabel[i], line.c_str());
    return;
  }
  std::string out = g_ident + "[" + std::to_string(::getpid()) + "]: " + kLabel[i] + line + "\n";
  [[maybe_unused]] auto n = ::write(2, out.data(), out.size());
}

}  // namespace postjournal::util
