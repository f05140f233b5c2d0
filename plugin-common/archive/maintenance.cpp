#include "archive/maintenance.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

namespace postjournal::archive {

namespace {

std::mutex held_mu;
std::set<std::string> held;

util::UniqueFd open_lock_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path);
  return util::UniqueFd(fd);
}

std::string holder_of(int fd) {
  char buf[256];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s.empty() ? "maintenance" : s;
}

}  // namespace

MaintenanceLock::MaintenanceLock(std::string dir, const std::string& what,
                                 std::chrono::milliseconds wait)
    : dir_(std::move(dir)), fd_(open_lock_file(dir_ + "/maintenance.lock")) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  // A commit holds the lock shared for milliseconds; another maintenance command for minutes.
  while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) throw std::system_error(errno, std::generic_category(), "flock");
    if (std::chrono::steady_clock::now() >= deadline) {
      throw ArchiveBusy(dir_ + " is locked by " + holder_of(fd_.get()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a lock, not syncing
  }
  std::string note = what + " (pid " + std::to_string(::getpid()) + ")\n";
  if (::ftruncate(fd_.get(), 0) != 0 || ::pwrite(fd_.get(), note.data(), note.size(), 0) < 0) {
    throw std::system_error(errno, std::generic_category(), "write " + dir_ + "/maintenance.lock");
  }
  std::lock_guard lock(held_mu);
  held.insert(dir_);
}

MaintenanceLock::~MaintenanceLock() {
  {
    std::lock_guard lock(held_mu);
    held.erase(dir_);
  }
  if (::ftruncate(fd_.get(), 0) != 0) {
    // The note is informational only; the lock goes with the descriptor.
  }
}

bool maintenance_held_here(const std::string& dir) {
  std::lock_guard lock(held_mu);
  return held.count(dir) > 0;
}

std::shared_ptr<void> commit_guard(const std::string& dir) {
  if (maintenance_held_here(dir)) return nullptr;
  auto fd = std::make_shared<util::UniqueFd>(open_lock_file(dir + "/maintenance.lock"));
  if (::flock(fd->get(), LOCK_SH | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) throw std::system_error(errno, std::generic_category(), "flock");
    throw ArchiveBusy("archive " + dir + " is under maintenance: " + holder_of(fd->get()));
  }
  return fd;
}

util::UniqueFd announce_open(const std::string& dir) {
  util::UniqueFd fd = open_lock_file(dir + "/open.lock");
  if (::flock(fd.get(), LOCK_SH) != 0) {
    throw std::system_error(errno, std::generic_category(), "flock " + dir + "/open.lock");
  }
  return fd;
}

std::vector<Opener> foreign_openers(const std::string& dir) {
  struct stat lmdb_lock {
  }, open_lock{};
  if (::stat((dir + "/lock.mdb").c_str(), &lmdb_lock) != 0) return {};
  bool announced = ::stat((dir + "/open.lock").c_str(), &open_lock) == 0;
  auto id_of = [](const struct stat& st) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%lu", major(st.st_dev), minor(st.st_dev),
                  static_cast<unsigned long>(st.st_ino));
    return std::string(buf);
  };
  std::string lmdb_id = id_of(lmdb_lock);
  std::string open_id = announced ? id_of(open_lock) : "";
  std::set<long> lmdb_users, honouring;
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    if (line.find("->") != std::string::npos) continue;  // a waiter, not a holder
    std::istringstream in(line);
    std::string n, kind, mode, access, file;
    long pid = 0;
    in >> n >> kind >> mode >> access >> pid >> file;
    if (kind == "POSIX" && file == lmdb_id) lmdb_users.insert(pid);
    if (kind == "FLOCK" && !open_id.empty() && file == open_id) honouring.insert(pid);
  }
  std::vector<Opener> out;
  for (long pid : lmdb_users) {
    if (pid == ::getpid() || honouring.count(pid)) continue;
    Opener o;
    o.pid = pid;
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::getline(comm, o.command);
    out.push_back(o);
  }
  return out;
}

}  // namespace postjournal::archive
