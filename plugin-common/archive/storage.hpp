// Storage v2: how a tenant archive encodes the bytes it stores (README, Storage).
//
// A blob (content_layout.hpp) is cut into chunks of kChunkSize plain bytes. Each chunk is stored
// as mode byte + payload (mode 0: the bytes as they are, 1: a zstd frame, used only when it is
// smaller), and in an encrypted archive that is sealed with AES-256-GCM under the blob's own
// random data key, nonce = the chunk number, associated data = (tenant, blob SHA-256, chunk
// number, chunk count): a chunk moved to another tenant, blob or position does not open. The data
// key is wrapped (AES-256-GCM, random nonce, associated data = tenant, blob SHA-256, KEK id) by
// the tenant's key-encryption key (key_file.hpp) and kept in the blob's row with the KEK id and
// the count of live deliveries that use the blob. What is encrypted: stored message bytes and
// the indexer's text cache. Delivery records, the hash chain and the indexes are not.
//
// Page-aware layout: a stored chunk is split into LMDB values ("pieces", keyed by the blob's
// sequential id, chunk and piece number, so they are appended and leaf pages fill up): whole
// overflow pages (n * page - 16 bytes), then the remainder in one overflow page when it fills 7/8
// of one, else in leaf values of at most 512 bytes. A 4 KB message compressed to 1.8 KB takes
// under half a page, not two.
//
// Thread-safe: encoding runs in the submitting threads, decoding in any reader.
// Errors: KeyError (key_file.hpp) for a missing or wrong key, StoredBytesError for stored bytes
// that do not decode or authenticate (the message says which blob and chunk).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "archive/key_file.hpp"
#include "archive/tenant_id.hpp"
#include "util/crypto.hpp"
#include "util/sha256.hpp"

namespace postjournal::archive {

class StoredBytesError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StorageOptions {
  bool compress = true;  // archive.compression: zstd
  int level = 3;         // archive.compression_level
  bool encrypt = false;  // archive.encryption: aes-256-gcm
  std::string key_dir = "/etc/postjournal/keys";
};

// A blob's row in the `blobs` database. Version 1 is the 16-byte header of format 1 (chunks in
// the `chunks` database, stored as received); version 2 is this format.
struct BlobRow {
  int version = 2;
  bool complete = true;  // false while a large blob is written over several transactions
  bool compressed = false;
  bool encrypted = false;
  bool key_destroyed = false;  // crypto-shredded: the bytes are gone for good
  std::uint64_t size = 0;
  std::uint32_t chunk_size = 0;
  std::uint32_t chunk_count = 0;
  std::uint64_t id = 0;    // pieces are keyed by it (keys::piece)
  std::uint64_t live = 0;  // deliveries that use the blob; it is removed at 0
  std::uint32_t kek_id = 0;
  std::string wrapped_key;  // nonce + sealed data key (60 bytes) when encrypted
  // A delivery may be linked to it (dedup): complete, and its bytes still readable.
  bool usable() const { return complete && !key_destroyed; }
};
std::string encode_blob_row(const BlobRow& r);
std::optional<BlobRow> decode_blob_row(std::string_view bytes);

// The LMDB value sizes a stored chunk of n bytes is cut into (see the layout above).
std::vector<std::size_t> piece_sizes(std::size_t n, std::size_t page_size, std::size_t inline_max);

// The environment's page size and leaf-value limit for piece keys (Environment::inline_max).
struct PieceLayout {
  std::size_t page = 4096;
  std::size_t inline_max = 2017;
};

// The tenant's key file, loaded when first needed and again when a KEK id it lacks is asked for
// (after `key rotate` in another process). Thread-safe.
class KeyRing {
 public:
  KeyRing(std::string path, TenantId tenant) : path_(std::move(path)), tenant_(std::move(tenant)) {}
  const std::string& path() const { return path_; }
  Kek current();              // throws KeyError
  Kek get(std::uint32_t id);  // throws KeyError naming the id when the file lacks it
  void reload();

 private:
  std::mutex mu_;
  std::string path_;
  TenantId tenant_;
  std::optional<KeyFile> file_;
};

// A blob being stored: its row (id and live count are set by the writer) and data key.
struct BlobPlan {
  util::Digest sha{};
  BlobRow row;
  util::Key256 data_key{};
};

class Storage {
 public:
  Storage(TenantId tenant, StorageOptions opts);
  const TenantId& tenant() const { return tenant_; }
  const StorageOptions& options() const { return opts_; }
  KeyRing& keys() const { return keys_; }

  // A new row for a blob of `size` bytes, with a fresh data key wrapped by the current KEK.
  BlobPlan plan(const util::Digest& sha, std::uint64_t size) const;
  std::string encode_chunk(const BlobPlan& p, std::uint32_t index, std::string_view plain) const;
  // The plain bytes of chunk `index` of a version-2 blob from its stored bytes.
  std::string decode_chunk(const BlobRow& row, const util::Digest& sha, std::uint32_t index,
                           std::string_view stored) const;
  // The blob's data key (unwrapped with its KEK), and the wrapping of one under `kek`.
  util::Key256 data_key(const BlobRow& row, const util::Digest& sha,
                        std::string_view label = "postjournal data key") const;
  std::string wrap(const util::Key256& data_key, const util::Digest& sha, const Kek& kek,
                   std::string_view label = "postjournal data key") const;

  // The text cache's values (text_cache.hpp), compressed and, when encrypting, sealed under their
  // own data key. open_text passes a value of format 1 (written before storage v2) through.
  std::string seal_text(const util::Digest& attachment, std::string_view text) const;
  std::string open_text(const util::Digest& attachment, std::string_view stored) const;
  // Re-wraps a sealed text value's data key with `kek`; nullopt when it is not encrypted or
  // already wrapped by it.
  std::optional<std::string> rewrap_text(const util::Digest& attachment, std::string_view stored,
                                         const Kek& kek) const;

 private:
  std::string unwrap_error(const BlobRow& row, const util::Digest& sha) const;
  TenantId tenant_;
  StorageOptions opts_;
  mutable KeyRing keys_;
};

}  // namespace postjournal::archive
