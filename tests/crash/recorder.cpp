// The write recorder of the power-loss harness: an LD_PRELOAD library that lets every file
// operation through and appends what it did to a log, for the files under the directories named
// in CRASH_ROOTS (colon-separated absolute paths) — the archive root and the key directory.
// Logged, after the real call succeeded: file creation, writes with their file offsets (write,
// pwrite, writev, pwritev; O_APPEND resolved to the end of the file; O_DSYNC/O_SYNC flagged),
// ftruncate, fallocate, fsync/fdatasync (of files and of directories), rename, unlink, link,
// mkdir, rmdir. sync_file_range and msync guarantee nothing durable and are not syncs here.
// Each record is appended with one write(2) to CRASH_LOG (O_APPEND), so records of several
// processes (and the test's markers, crashlog.cpp) interleave whole, in the order they happened.
// A process-wide mutex makes "operation, then its record" atomic between the threads of a
// process: the log is a linearisation of what the file system saw.
//
// Test switch: built with -DCRASH_DROP_DIR_FSYNC, the recorder drops every fsync of a directory
// from the log, which is what the product would look like without them; the harness must then
// find acknowledged messages lost (tests/crash/run.sh's self-check).
//
// Record layout (little-endian): u32 magic 0x4352534c, u32 op, u64 a, u64 b, u32 path length,
// u32 second path length, u64 data length, then the two paths and the data (crashlog.hpp).
// The fortified inline wrappers of open() and friends would bypass what this file defines.
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "crashlog.hpp"

namespace {

using crash::Op;

pthread_mutex_t g_mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
int g_log = -1;
std::vector<std::string>* g_roots = nullptr;
constexpr int kMaxFd = 65536;
std::string* g_paths[kMaxFd];  // fd -> absolute path, for recorded files and directories
bool g_dsync[kMaxFd];
bool g_ready = false;

template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

using write_t = ssize_t (*)(int, const void*, size_t);

void init() {
  if (g_ready) return;
  g_ready = true;
  const char* log = getenv("CRASH_LOG");
  const char* roots = getenv("CRASH_ROOTS");
  if (log == nullptr || roots == nullptr) return;
  auto real_open = real<int (*)(const char*, int, ...)>("open");
  g_log = real_open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  g_roots = new std::vector<std::string>;
  std::string all = roots;
  for (std::size_t at = 0; at <= all.size();) {
    std::size_t colon = all.find(':', at);
    if (colon == std::string::npos) colon = all.size();
    if (colon > at) g_roots->push_back(all.substr(at, colon - at));
    at = colon + 1;
  }
}

struct Lock {
  Lock() {
    pthread_mutex_lock(&g_mu);
    init();
  }
  ~Lock() { pthread_mutex_unlock(&g_mu); }
};

// The absolute form of `path` (relative to the working directory or to the directory `dirfd`),
// without resolving the last component (it may not exist yet).
std::string absolute(int dirfd, const char* path) {
  std::string p = path;
  if (p.empty() || p[0] != '/') {
    std::string base;
    if (dirfd != AT_FDCWD && dirfd >= 0 && dirfd < kMaxFd && g_paths[dirfd] != nullptr) {
      base = *g_paths[dirfd];
    } else {
      char cwd[PATH_MAX];
      if (getcwd(cwd, sizeof cwd) == nullptr) return p;
      base = cwd;
    }
    p = base + "/" + p;
  }
  // Normalise "//", "/./" and a trailing "/." (the product builds paths by concatenation).
  std::string out;
  for (std::size_t i = 0; i < p.size();) {
    std::size_t j = p.find('/', i + 1);
    if (j == std::string::npos) j = p.size();
    std::string part = p.substr(i, j - i);
    if (part != "/" && part != "/.") out += part;
    i = j;
  }
  return out.empty() ? "/" : out;
}

bool recorded(const std::string& path) {
  if (g_log < 0 || g_roots == nullptr) return false;
  for (const auto& r : *g_roots) {
    if (path.compare(0, r.size(), r) == 0 && (path.size() == r.size() || path[r.size()] == '/'))
      return true;
  }
  return false;
}

void emit(Op op, const std::string& path, const std::string& path2, std::uint64_t a,
          std::uint64_t b, const iovec* iov = nullptr, int iovcnt = 0) {
  std::uint64_t data = 0;
  for (int i = 0; i < iovcnt; ++i) data += iov[i].iov_len;
  crash::Header h{crash::kMagic,
                  static_cast<std::uint32_t>(op),
                  a,
                  b,
                  static_cast<std::uint32_t>(path.size()),
                  static_cast<std::uint32_t>(path2.size()),
                  data};
  std::string buf(reinterpret_cast<const char*>(&h), sizeof h);
  buf += path;
  buf += path2;
  for (int i = 0; i < iovcnt; ++i)
    buf.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  auto w = real<write_t>("write");
  const char* p = buf.data();
  std::size_t left = buf.size();
  while (left > 0) {
    ssize_t n = w(g_log, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) abort();  // a lost record would make every later check meaningless
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void track(int fd, const std::string& path, int flags) {
  if (fd < 0 || fd >= kMaxFd) return;
  delete g_paths[fd];
  g_paths[fd] = recorded(path) ? new std::string(path) : nullptr;
  g_dsync[fd] = (flags & (O_DSYNC | O_SYNC)) != 0;
}

const std::string* path_of(int fd) {
  return fd >= 0 && fd < kMaxFd ? g_paths[fd] : nullptr;
}

int do_open(int dirfd, const char* path, int flags, mode_t mode, bool at) {
  Lock lock;
  std::string abs = absolute(dirfd, path);
  bool existed = access(abs.c_str(), F_OK) == 0;
  int fd = at ? real<int (*)(int, const char*, int, ...)>("openat")(dirfd, path, flags, mode)
              : real<int (*)(const char*, int, ...)>("open")(path, flags, mode);
  if (fd < 0) return fd;
  int saved = errno;
  track(fd, abs, flags);
  if (recorded(abs)) {
    if (!existed) emit(Op::kCreate, abs, "", static_cast<std::uint64_t>(mode), 0);
    if (existed && (flags & O_TRUNC) != 0) emit(Op::kTruncate, abs, "", 0, 0);
  }
  errno = saved;
  return fd;
}

mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) != 0 ? static_cast<mode_t>(va_arg(ap, int)) : 0;
}

// A write of `iov` to fd at `offset` (-1: the file position), through `call`.
template <class Call>
ssize_t do_write(int fd, const iovec* iov, int iovcnt, off_t offset, Call call) {
  Lock lock;
  const std::string* path = path_of(fd);
  if (path == nullptr) return call();
  off_t at = offset;
  if (at < 0) {
    int fl = fcntl(fd, F_GETFL);
    struct stat st {};
    at = (fl & O_APPEND) != 0 && fstat(fd, &st) == 0 ? st.st_size : lseek(fd, 0, SEEK_CUR);
  }
  ssize_t n = call();
  if (n <= 0) return n;
  int saved = errno;
  // Only the bytes really written are logged.
  std::vector<iovec> done;
  std::size_t left = static_cast<std::size_t>(n);
  for (int i = 0; i < iovcnt && left > 0; ++i) {
    std::size_t take = std::min(left, iov[i].iov_len);
    done.push_back({iov[i].iov_base, take});
    left -= take;
  }
  emit(g_dsync[fd] ? Op::kWriteSync : Op::kWrite, *path, "", static_cast<std::uint64_t>(at), 0,
       done.data(), static_cast<int>(done.size()));
  errno = saved;
  return n;
}

int do_sync(int fd, const char* name) {
  Lock lock;
  int rc = real<int (*)(int)>(name)(fd);
  const std::string* path = path_of(fd);
  if (rc != 0 || path == nullptr) return rc;
  int saved = errno;
  struct stat st {};
  bool dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
#ifdef CRASH_DROP_DIR_FSYNC
  if (dir) {
    errno = saved;
    return rc;
  }
#endif
  emit(dir ? Op::kSyncDir : Op::kSync, *path, "", 0, 0);
  errno = saved;
  return rc;
}

int do_truncate(const char* name, int fd, off_t size) {
  Lock lock;
  int rc = real<int (*)(int, off_t)>(name)(fd, size);
  if (rc == 0 && path_of(fd) != nullptr)
    emit(Op::kTruncate, *path_of(fd), "", static_cast<std::uint64_t>(size), 0);
  return rc;
}

int do_fallocate(const char* name, int fd, int mode, off_t off, off_t len) {
  Lock lock;
  int rc = real<int (*)(int, int, off_t, off_t)>(name)(fd, mode, off, len);
  if (rc == 0 && path_of(fd) != nullptr && (mode & FALLOC_FL_KEEP_SIZE) == 0)
    emit(Op::kExtend, *path_of(fd), "", static_cast<std::uint64_t>(off + len), 0);
  return rc;
}

}  // namespace

extern "C" {

// open/open64 and openat/openat64 are the same calls on 64-bit Linux: one body for all four.
#define COMMA ,
#define CRASH_OPEN(name, dirfd_param, dirfd, at)           \
  int name(dirfd_param const char* path, int flags, ...) { \
    va_list ap;                                            \
    va_start(ap, flags);                                   \
    mode_t mode = mode_arg(flags, ap);                     \
    va_end(ap);                                            \
    return do_open(dirfd, path, flags, mode, at);          \
  }
CRASH_OPEN(open, , AT_FDCWD, false)
CRASH_OPEN(open64, , AT_FDCWD, false)
CRASH_OPEN(openat, int dir_fd COMMA, dir_fd, true)
CRASH_OPEN(openat64, int dir_fd COMMA, dir_fd, true)
#undef CRASH_OPEN
#undef COMMA
int creat(const char* path, mode_t mode) {
  return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, false);
}
int creat64(const char* path, mode_t mode) {
  return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, false);
}

int close(int fd) {
  Lock lock;
  int rc = real<int (*)(int)>("close")(fd);
  if (fd >= 0 && fd < kMaxFd) {
    delete g_paths[fd];
    g_paths[fd] = nullptr;
  }
  return rc;
}

ssize_t write(int fd, const void* buf, size_t n) {
  iovec v{const_cast<void*>(buf), n};
  return do_write(fd, &v, 1, -1, [&] { return real<write_t>("write")(fd, buf, n); });
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  iovec v{const_cast<void*>(buf), n};
  return do_write(fd, &v, 1, off, [&] {
    return real<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite")(fd, buf, n, off);
  });
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off_t off) {
  iovec v{const_cast<void*>(buf), n};
  return do_write(fd, &v, 1, off, [&] {
    return real<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite64")(fd, buf, n, off);
  });
}
ssize_t writev(int fd, const iovec* iov, int cnt) {
  return do_write(fd, iov, cnt, -1, [&] {
    return real<ssize_t (*)(int, const iovec*, int)>("writev")(fd, iov, cnt);
  });
}
ssize_t pwritev(int fd, const iovec* iov, int cnt, off_t off) {
  return do_write(fd, iov, cnt, off, [&] {
    return real<ssize_t (*)(int, const iovec*, int, off_t)>("pwritev")(fd, iov, cnt, off);
  });
}
ssize_t pwritev64(int fd, const iovec* iov, int cnt, off_t off) {
  return do_write(fd, iov, cnt, off, [&] {
    return real<ssize_t (*)(int, const iovec*, int, off_t)>("pwritev64")(fd, iov, cnt, off);
  });
}

int ftruncate(int fd, off_t size) {
  return do_truncate("ftruncate", fd, size);
}
int ftruncate64(int fd, off_t size) {
  return do_truncate("ftruncate64", fd, size);
}
int fallocate(int fd, int mode, off_t off, off_t len) {
  return do_fallocate("fallocate", fd, mode, off, len);
}
int fallocate64(int fd, int mode, off_t off, off_t len) {
  return do_fallocate("fallocate64", fd, mode, off, len);
}

int fsync(int fd) {
  return do_sync(fd, "fsync");
}
int fdatasync(int fd) {
  return do_sync(fd, "fdatasync");
}

int rename(const char* from, const char* to) {
  Lock lock;
  std::string a = absolute(AT_FDCWD, from), b = absolute(AT_FDCWD, to);
  int rc = real<int (*)(const char*, const char*)>("rename")(from, to);
  if (rc == 0 && (recorded(a) || recorded(b))) emit(Op::kRename, a, b, 0, 0);
  return rc;
}
int renameat(int fd1, const char* from, int fd2, const char* to) {
  Lock lock;
  std::string a = absolute(fd1, from), b = absolute(fd2, to);
  int rc = real<int (*)(int, const char*, int, const char*)>("renameat")(fd1, from, fd2, to);
  if (rc == 0 && (recorded(a) || recorded(b))) emit(Op::kRename, a, b, 0, 0);
  return rc;
}
int unlink(const char* path) {
  Lock lock;
  std::string a = absolute(AT_FDCWD, path);
  int rc = real<int (*)(const char*)>("unlink")(path);
  if (rc == 0 && recorded(a)) emit(Op::kUnlink, a, "", 0, 0);
  return rc;
}
int unlinkat(int fd, const char* path, int flags) {
  Lock lock;
  std::string a = absolute(fd, path);
  int rc = real<int (*)(int, const char*, int)>("unlinkat")(fd, path, flags);
  if (rc == 0 && recorded(a)) emit(Op::kUnlink, a, "", 0, 0);
  return rc;
}
int rmdir(const char* path) {
  Lock lock;
  std::string a = absolute(AT_FDCWD, path);
  int rc = real<int (*)(const char*)>("rmdir")(path);
  if (rc == 0 && recorded(a)) emit(Op::kUnlink, a, "", 0, 0);
  return rc;
}
int link(const char* from, const char* to) {
  Lock lock;
  std::string a = absolute(AT_FDCWD, from), b = absolute(AT_FDCWD, to);
  int rc = real<int (*)(const char*, const char*)>("link")(from, to);
  if (rc == 0 && recorded(b)) emit(Op::kLink, a, b, 0, 0);
  return rc;
}
int mkdir(const char* path, mode_t mode) {
  Lock lock;
  std::string a = absolute(AT_FDCWD, path);
  int rc = real<int (*)(const char*, mode_t)>("mkdir")(path, mode);
  if (rc == 0 && recorded(a)) emit(Op::kMkdir, a, "", mode, 0);
  return rc;
}

}  // extern "C"
