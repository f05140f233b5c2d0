// Dropping root: a daemon started as root becomes its configured user (milter.user) once it has
// opened what needs root. Not thread-safe: call before starting threads.
#pragma once

#include <string>

namespace postjournal::util {

// No-op (true) when not root or when `user` is empty or "root". Otherwise switches group list,
// gid and uid to `user`; false (with the reason in `error`) when the user does not exist or a
// call fails.
bool drop_privileges(const std::string& user, std::string& error);

// Whether `user` (empty or "root": the current user) can create files in `dir`, or create `dir`
// when it does not exist yet (then its nearest existing ancestor is checked). Empty when it can;
// otherwise one line saying why ("/var/lib/postjournal is not writable by postjournal"). As root
// for another user the check runs in a forked child that drops to that user, so call it before
// starting threads.
std::string write_problem(const std::string& dir, const std::string& user);

}  // namespace postjournal::util
