// Integrity check of one tenant archive (`postjournal verify`): every delivery record decodes,
// sequence numbers are contiguous up to the chain head, every chain link equals
// SHA-256(previous stored link || digest of the record and its content hash), the head matches
// the last link, every stored blob decodes (decrypts: the AEAD tag detects any change of the
// ciphertext) and re-hashes to its key, every content (a list of blobs) re-hashes to its own
// key, and every version-2 blob counts as many live deliveries as use it. A delivery removed by
// `delete`/`assign` has a tombstone holding its chain digest, so its link still verifies; the audit
// log is verified too (removal.hpp). A delivery missing without a tombstone is a problem. Each
// problem names the delivery (or content) it concerns. Runs in one read transaction.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "archive/lmdb_env.hpp"
#include "archive/storage.hpp"
#include "archive/tenant_id.hpp"
#include "util/sha256.hpp"

namespace postjournal::archive {

struct VerifyProblem {
  std::string where;  // delivery id ("acme:12") or "content <sha256>" or "chain head"
  std::string what;
};

struct VerifyReport {
  std::uint64_t deliveries = 0;
  std::uint64_t removed = 0;  // tombstones: deliveries removed through the audit log
  std::uint64_t audit_entries = 0;
  std::uint64_t contents = 0;
  std::uint64_t content_bytes = 0;  // unique bytes stored (after deduplication)
  // Blobs by format: format 1 (before storage v2), version 2 in clear, version 2 encrypted.
  std::uint64_t blobs_v1 = 0, blobs_clear = 0, blobs_encrypted = 0;
  std::vector<VerifyProblem> problems;
  bool ok() const { return problems.empty(); }
};

// The live deliveries each blob should count: for every content, its deliveries (`users`:
// content SHA-256 -> deliveries with these bytes) count once for each distinct blob in it.
std::map<util::Digest, std::uint64_t> blob_users(
    const Txn& txn, const Databases& dbs, const std::map<util::Digest, std::uint64_t>& users);

VerifyReport verify_archive(const Txn& txn, const Databases& dbs, const Storage& storage);

}  // namespace postjournal::archive
