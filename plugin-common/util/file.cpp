#include "util/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace postjournal::util {

namespace {
[[noreturn]] void fail(int err, const std::string& what, const std::string& path) {
  throw std::system_error(err, std::generic_category(), what + " " + path);
}
}  // namespace

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

UniqueFd open_read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(errno, "cannot open", path);
  return UniqueFd(fd);
}

std::uint64_t file_size(int fd, const std::string& path_for_errors) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(errno, "cannot stat", path_for_errors);
  if (!S_ISREG(st.st_mode)) fail(EINVAL, "not a regular file:", path_for_errors);
  return static_cast<std::uint64_t>(st.st_size);
}

std::string read_at(int fd, std::uint64_t offset, std::size_t len, const std::string& path) {
  std::string out(len, '\0');
  std::size_t got = 0;
  while (got < len) {
    ssize_t n = ::pread(fd, out.data() + got, len - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, "cannot read", path);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

std::string read_file(const std::string& path) {
  UniqueFd fd = open_read(path);
  std::uint64_t size = file_size(fd.get(), path);
  std::string out = read_at(fd.get(), 0, static_cast<std::size_t>(size), path);
  if (out.size() != size) fail(EIO, "file changed while reading", path);
  return out;
}

std::string read_all(int fd, const std::string& name_for_errors) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, "cannot read", name_for_errors);
    }
    if (n == 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

void write_all(int fd, std::string_view bytes, const std::string& path_for_errors) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, "cannot write", path_for_errors);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(errno, "cannot open directory", dir);
  UniqueFd guard(fd);
  if (::fsync(fd) != 0) fail(errno, "cannot fsync directory", dir);
}

std::uint64_t free_bytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) fail(errno, "cannot statvfs", path);
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

void make_dirs(const std::string& dir) {
  if (dir.empty()) return;
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) fail(ENOTDIR, "not a directory:", dir);
    return;
  }
  auto slash = dir.find_last_of('/');
  std::string parent = slash == std::string::npos ? "." : (slash == 0 ? "/" : dir.substr(0, slash));
  make_dirs(parent);
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) fail(errno, "cannot create", dir);
  fsync_dir(parent);
}

void replace_file(const std::string& path, std::string_view bytes, unsigned mode) {
  AtomicFile f(path, mode);
  f.write(bytes);
  f.commit();
}

AtomicFile::AtomicFile(std::string path, unsigned mode)
    : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
  int fd = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) fail(errno, "cannot create", tmp_);
  fd_.reset(fd);
}

AtomicFile::~AtomicFile() {
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFile::write(std::string_view bytes) {
  write_all(fd_.get(), bytes, tmp_);
}

void AtomicFile::write_at(std::uint64_t offset, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd_.get(), bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(n < 0 ? errno : EIO, "cannot write", tmp_);
    bytes.remove_prefix(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_.get()) != 0) fail(errno, "cannot fsync", tmp_);
  fd_.reset();
  if (::rename(tmp_.c_str(), path_.c_str()) != 0)
    fail(errno, "cannot rename " + tmp_ + " to", path_);
  committed_ = true;
  // The rename is durable only once the directory is (a key backup must survive a power cut).
  auto slash = path_.find_last_of('/');
  fsync_dir(slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash)));
}

}  // namespace postjournal::util
