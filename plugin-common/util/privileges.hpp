// Dropping root: a daemon started as root becomes its configured user (milter.user) once it has
// opened what needs root. Not thread-safe: call before starting threads.
#pragma once

#include <string>

namespace postjournal::util {

// No-op (true) when not root or when `user` is empty or "root". Otherwise switches group list,
// gid and uid to `user`; false (with the reason in `error`) when the user does not exist or a
// call fails.
bool drop_privileges(const std::string& user, std::string& error);

}  // namespace postjournal::util
