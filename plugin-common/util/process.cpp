#include "util/process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "util/file.hpp"

namespace postjournal::util {

namespace {

// Forks and execs argv with `child_fd` as its descriptor `target` (0 or 1); -1 on failure.
// The argument vector is built before fork(): in a threaded process the child may only make
// async-signal-safe calls (no allocation) until exec.
pid_t spawn(const std::vector<std::string>& argv, int child_fd, int target) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(child_fd, target);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

ProcessResult run_capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (argv.empty() || ::pipe2(fds, O_CLOEXEC) != 0) return {127, {}};
  UniqueFd read_end(fds[0]);
  pid_t pid = spawn(argv, fds[1], 1);
  ::close(fds[1]);
  if (pid < 0) return {127, {}};
  ProcessResult r;
  r.output = read_all(read_end.get(), argv[0]);
  r.exit_status = wait_status(pid);
  return r;
}

int run_with_input(const std::vector<std::string>& argv, std::string_view input) {
  int fds[2];
  if (argv.empty() || ::pipe2(fds, O_CLOEXEC) != 0) return 127;
  UniqueFd write_end(fds[1]);
  pid_t pid = spawn(argv, fds[0], 0);
  ::close(fds[0]);
  if (pid < 0) return 127;
  try {
    write_all(write_end.get(), input, argv[0]);
  } catch (const std::system_error&) {
    // the program exited early (EPIPE); its exit status says why
  }
  write_end.reset();
  return wait_status(pid);
}

}  // namespace postjournal::util
