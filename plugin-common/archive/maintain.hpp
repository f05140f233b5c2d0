// Maintenance of one tenant archive: key rotation, the storage-format migration and the key
// status report (postjournal key rotate / migrate / key status). Rotation and migration hold the
// tenant's maintenance lock (maintenance.hpp) from start to end and refuse to start while a
// process that does not honour it has the archive open; mail for that tenant gets 451 meanwhile.
// Both are resumable: killed at any point, the same command run again completes the work, and
// the archive verifies at every point. The caller must not have the tenant's archive open.
// Errors: ArchiveBusy, KeyError, StoredBytesError, LmdbError, std::runtime_error (with what to
// do), std::system_error.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "archive/storage.hpp"
#include "archive/tenant_id.hpp"
#include "archive/verify.hpp"

namespace postjournal::archive {

using Progress = std::function<void(const std::string&)>;

// Creates the tenant's first KEK (key file mode 0600, given to uid/gid when >= 0; the key
// directory is created 0700). Refuses when the file exists, or when the archive is already
// encrypted (its key must come from a backup). Returns the file's path.
std::string init_key(const std::string& root, const TenantId& t, const StorageOptions& opts,
                     long uid, long gid);

struct RotateReport {
  std::uint32_t from = 0, to = 0;
  bool resumed = false;                // an interrupted rotation was completed
  std::uint64_t blobs = 0, texts = 0;  // data keys re-wrapped
};
// A new KEK: the key file holds the new and the old one while every data key wrapped by the
// old one is re-wrapped in place (no data rewritten), then the new one only.
RotateReport rotate_key(const std::string& root, const TenantId& t, const StorageOptions& opts,
                        const Progress& progress);

struct MigrateReport {
  bool resumed = false;
  int format_before = 0;
  std::uint64_t deliveries = 0, blobs = 0, texts = 0;
  std::uint64_t pages_before = 0, pages_after = 0, page_size = 0;
  VerifyReport verify;  // of the new archive, before it replaced the old one
};
// Rewrites the archive into format 2 as `opts` says (compressed, encrypted when configured) in
// <dir>/migrate.new: records, chain, audit log and every other table byte for byte, blobs and
// the text cache re-encoded; verifies the copy, then replaces data.mdb with it atomically.
// Refuses to write an encrypted archive in clear text.
MigrateReport migrate(const std::string& root, const TenantId& t, const StorageOptions& opts,
                      const Progress& progress);

struct KeyStatus {
  std::string path;
  bool file_ok = false;
  std::string file_error;
  std::vector<std::uint32_t> keks;  // in the file, highest first
  bool archive = false;             // an archive exists
  bool encrypted = false;           // it holds encrypted mail
  bool matches = true;              // every KEK the archive knows is the file's
  std::uint32_t archive_kek = 0;    // the one new data keys are wrapped with
  std::uint64_t blobs_v1 = 0, blobs_clear = 0, blobs_encrypted = 0;
  std::uint64_t wrapped_by_old = 0;  // data keys not yet re-wrapped by the current KEK
};
// With count_blobs, also counts the blobs by format and key (a scan of the blob table: for
// `key status`, not for a daemon's start).
KeyStatus key_status(const std::string& root, const TenantId& t, const StorageOptions& opts,
                     bool count_blobs = true);

}  // namespace postjournal::archive
