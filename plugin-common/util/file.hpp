// File-descriptor RAII and whole-file helpers. No mail knowledge.
// Errors: functions that can fail throw std::system_error carrying the errno saved at the failing
// call and a message naming the operation and path. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace postjournal::util {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

UniqueFd open_read(const std::string& path);
std::uint64_t file_size(int fd, const std::string& path_for_errors);
std::string read_file(const std::string& path);
// Everything readable from fd until end of file (pipes and terminals included).
std::string read_all(int fd, const std::string& name_for_errors);
// Reads up to len bytes at offset; returns fewer only at end of file.
std::string read_at(int fd, std::uint64_t offset, std::size_t len, const std::string& path);
void write_all(int fd, std::string_view bytes, const std::string& path_for_errors);
// Creates dir and missing parents (mode 0750); fsyncs each parent it changed.
void make_dirs(const std::string& dir);
void fsync_dir(const std::string& dir);
// Writes `bytes` to path.tmp.PID (created with `mode`), fsyncs it and renames it over `path` (an
// AtomicFile: the directory is fsynced too), so readers see the old file or the new one, never a
// part. Removes the temporary file on failure.
void replace_file(const std::string& path, std::string_view bytes, unsigned mode);
// A file written in pieces that appears under its name only when complete: the pieces go to
// path.tmp.PID (created with `mode`); commit() fsyncs it, renames it over `path` and fsyncs the
// directory, so that a committed file survives a power cut. Destroyed
// without commit(), it removes the temporary file. Errors: std::system_error naming the path.
class AtomicFile {
 public:
  AtomicFile(std::string path, unsigned mode);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  void write(std::string_view bytes);
  // Overwrites bytes already written at `offset` (the file position is unchanged).
  void write_at(std::uint64_t offset, std::string_view bytes);
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string tmp_;
  UniqueFd fd_;
  bool committed_ = false;
};

// Bytes available to unprivileged writers on the file system holding path (statvfs).
std::uint64_t free_bytes(const std::string& path);

}  // namespace postjournal::util
