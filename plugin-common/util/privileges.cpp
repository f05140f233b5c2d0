#include "util/privileges.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/file.hpp"

namespace postjournal::util {

bool drop_privileges(const std::string& user, std::string& error) {
  if (::getuid() != 0 || user.empty() || user == "root") return true;
  passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) {
    error = "user " + user + " does not exist";
    return false;
  }
  if (::initgroups(pw->pw_name, pw->pw_gid) != 0 || ::setgid(pw->pw_gid) != 0 ||
      ::setuid(pw->pw_uid) != 0) {
    error = std::string("cannot drop privileges to ") + user + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

namespace {

// The check itself, as the current user.
std::string write_problem_here(const std::string& dir) {
  std::string probe = dir;
  for (;;) {
    struct stat st {};
    if (::stat(probe.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return probe + " is not a directory";
      if (::access(probe.c_str(), W_OK | X_OK) != 0) {
        return probe == dir ? dir + " is not writable"
                            : dir + " cannot be created: " + probe + " is not writable";
      }
      return {};
    }
    std::size_t slash = probe.find_last_of('/');
    if (slash == std::string::npos || slash == 0) return dir + " cannot be created";
    probe.resize(slash);
  }
}

}  // namespace

std::string write_problem(const std::string& dir, const std::string& user) {
  if (::getuid() != 0 || user.empty() || user == "root") return write_problem_here(dir);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "cannot check " + dir + ": " + std::strerror(errno);
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  pid_t pid = ::fork();
  if (pid < 0) return "cannot check " + dir + ": " + std::strerror(errno);
  if (pid == 0) {
    read_end.reset();
    std::string error;
    std::string problem;
    if (!drop_privileges(user, error)) {
      problem = error;
    } else if (problem = write_problem_here(dir); !problem.empty()) {
      problem += " by " + user;
    }
    ssize_t n = ::write(write_end.get(), problem.data(), problem.size());
    _exit(n == static_cast<ssize_t>(problem.size()) ? 0 : 1);
  }
  write_end.reset();
  std::string problem;
  try {
    problem = read_all(read_end.get(), "write check");
  } catch (const std::exception& e) {
    problem = e.what();
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return problem;
}

}  // namespace postjournal::util
