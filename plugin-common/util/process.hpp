// Runs a program without a shell (argv passed as is) and captures its standard output.
// Thread-safe. Errors: a program that cannot be started gives exit_status 127.
#pragma once

#include <string>
#include <vector>

namespace postjournal::util {

struct ProcessResult {
  int exit_status = 0;  // 0..255, or 128+signal
  std::string output;   // standard output
};

ProcessResult run_capture(const std::vector<std::string>& argv);

}  // namespace postjournal::util
