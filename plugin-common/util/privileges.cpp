#include "util/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

}  // namespace postjournal::util
