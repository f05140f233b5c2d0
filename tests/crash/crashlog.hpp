// The log of the power-loss harness: what recorder.cpp appends for each file operation under the
// recorded roots, and what crashlog.cpp (the marker and the replayer) reads. One record per
// operation: Header, then the path, the second path (rename, link) and the data (writes).
#pragma once

#include <cstdint>

namespace crash {

inline constexpr std::uint32_t kMagic = 0x4352534c;

enum class Op : std::uint32_t {
  kCreate = 1,     // path; a = mode
  kWrite = 2,      // path; a = offset; data
  kWriteSync = 3,  // the same on an O_DSYNC/O_SYNC descriptor: durable when it returned
  kTruncate = 4,   // path; a = new size
  kExtend = 5,     // path; a = size it grows to (fallocate)
  kSync = 6,       // path: fsync/fdatasync of a file
  kSyncDir = 7,    // path: fsync of a directory
  kRename = 8,     // path -> path2
  kUnlink = 9,     // path (a file or an empty directory)
  kLink = 10,      // path2 becomes another name of path
  kMkdir = 11,     // path
  kMark = 12,      // path = the test's marker text (e.g. "ack acme <sha256>")
};

struct Header {
  std::uint32_t magic;
  std::uint32_t op;
  std::uint64_t a;
  std::uint64_t b;
  std::uint32_t path_len;
  std::uint32_t path2_len;
  std::uint64_t data_len;
};

}  // namespace crash
