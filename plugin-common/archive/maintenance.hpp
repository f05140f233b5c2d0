// The per-tenant maintenance lock: `key rotate` and `migrate` (and the retention issue's
// `compact`) hold <archive dir>/maintenance.lock exclusively (flock) for as long as they rewrite
// or replace the archive. Every write transaction of an archive takes it shared and non-blocking
// for the length of one commit (lmdb_env.cpp): while maintenance holds it, commits fail with
// ArchiveBusy (the milter answers 451 for that tenant, other tenants go on), and a commit never
// lands in a file that maintenance has replaced, because the replacement happens under the
// exclusive lock and every commit checks the file's identity under the shared one.
//
// Processes that follow this protocol say so by holding <dir>/open.lock shared while their LMDB
// environment is open; foreign_openers() finds the others (an mdb_copy, an older release) from
// /proc/locks, so maintenance can refuse to start while they have the archive open.
// Thread-safe. Errors: ArchiveBusy; std::system_error for I/O on the lock files.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/file.hpp"

namespace postjournal::archive {

class ArchiveBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class MaintenanceLock {
 public:
  // Waits up to `wait` for commits in progress; throws ArchiveBusy when another maintenance
  // command holds the lock (naming it: the lock file says what and which pid).
  MaintenanceLock(std::string dir, const std::string& what, std::chrono::milliseconds wait);
  ~MaintenanceLock();
  MaintenanceLock(const MaintenanceLock&) = delete;
  MaintenanceLock& operator=(const MaintenanceLock&) = delete;

 private:
  std::string dir_;
  util::UniqueFd fd_;
};

// True while this process holds the exclusive lock of dir (its own writes skip the shared one).
bool maintenance_held_here(const std::string& dir);

// The shared lock for one commit: release it (drop the pointer) after the commit. Throws
// ArchiveBusy naming the maintenance in progress. Null when this process holds it exclusively.
std::shared_ptr<void> commit_guard(const std::string& dir);

// Held (shared) for the life of an environment: marks this process as one that honours the lock.
util::UniqueFd announce_open(const std::string& dir);

struct Opener {
  long pid = 0;
  std::string command;  // /proc/PID/comm
};
// Processes other than this one that hold LMDB's lock on <dir>/lock.mdb without holding
// <dir>/open.lock: they have the archive open and do not honour the maintenance lock.
std::vector<Opener> foreign_openers(const std::string& dir);

}  // namespace postjournal::archive
