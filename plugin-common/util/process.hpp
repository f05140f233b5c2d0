// Runs a program without a shell (argv passed as is) and captures its standard output.
// Thread-safe. Errors: a program that cannot be started gives exit_status 127.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postjournal::util {

struct ProcessResult {
  int exit_status = 0;  // 0..255, or 128+signal
  std::string output;   // standard output
};

ProcessResult run_capture(const std::vector<std::string>& argv);
// Runs argv with `input` on its standard input (standard output and error are inherited).
// Returns the exit status (127 when it cannot be started).
int run_with_input(const std::vector<std::string>& argv, std::string_view input);

}  // namespace postjournal::util
