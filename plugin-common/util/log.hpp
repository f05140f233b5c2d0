// Logging in Postfix's shape: syslog facility LOG_MAIL, or stderr when running in the foreground
// (tests, systemd). One constant message plus key=value pairs; never message bodies or secrets.
// Thread-safe (syslog and a single write per line).
#pragma once

#include <string>

namespace postjournal::util {

enum class LogLevel { kError, kWarning, kInfo, kDebug };

// ident: program name; to_stderr: write lines to stderr instead of syslog.
void log_init(const std::string& ident, bool to_stderr);
void log(LogLevel level, const std::string& line);

}  // namespace postjournal::util
