// Writes one delivery inside the caller's write transaction: the content once (content-addressed
// by SHA-256; its segments as blobs, each stored once, see content_layout.hpp, encoded as
// storage.hpp says), the record under the next sequence number, the time / Message-ID /
// participant / content indexes and the next hash-chain link. Called only by the writer thread
// (and by `migrate` into its new environment). Throws LmdbError (MDB_MAP_FULL included),
// KeyError, or std::runtime_error when an encrypted archive would get clear text; on a throw the
// caller aborts the transaction, so nothing of the delivery remains.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "archive/content_layout.hpp"
#include "archive/delivery.hpp"
#include "archive/lmdb_env.hpp"
#include "archive/message_bytes.hpp"
#include "archive/storage.hpp"

namespace postjournal::archive {

struct WriteOutcome {
  std::uint64_t seq = 0;
  bool content_existed = false;  // the bytes were already stored: only a delivery was added
  bool retransmission = false;   // nothing was added: `seq` is the earlier delivery
};

// How far back a retransmission is recognised (Exchange Online retries for two days).
inline constexpr util::TimeUs kRetransmissionWindow = 7LL * 24 * 3600 * 1000000;

// A blob encoded ahead of the write transaction (in the submitting thread).
struct EncodedBlob {
  BlobPlan plan;
  std::vector<std::string> chunks;  // stored bytes of each chunk
};
EncodedBlob encode_blob(const Storage& storage, std::string_view bytes, const util::Digest& sha);

std::optional<BlobRow> blob_row(const Txn& txn, const Databases& dbs, const util::Digest& sha);
void put_blob_row(Txn& txn, const Databases& dbs, const util::Digest& sha, const BlobRow& row);

// Marks the archive as written by this format (version 2) and, for an encrypting Storage, as
// encrypted; returns the KEK to wrap new data keys with: the key file's current one, reloaded
// when the archive records a newer one (rotated by another process). Records the KEK's check
// value, or throws KeyError when the archive knows another key under that id. Throws
// std::runtime_error when `storage` does not encrypt but the archive is encrypted. Idempotent;
// call it in every write transaction that stores bytes. nullopt: not encrypting.
std::optional<Kek> note_storage(Txn& txn, const Databases& dbs, const Storage& storage);
void check_kek(Txn& txn, const Databases& dbs, const Storage& storage, const Kek& kek);
std::string kek_check_key(std::uint32_t id);  // meta key of a KEK's check value
std::uint32_t current_kek_id(const Txn& txn, const Databases& dbs);  // 0: none yet
void set_current_kek_id(Txn& txn, const Databases& dbs, std::uint32_t id);
bool archive_encrypted(const Txn& txn, const Databases& dbs);

// Stores chunk `index` of blob `id` as pieces; with `replace`, pieces left by an earlier
// attempt are deleted first.
void put_chunk(Txn& txn, const Databases& dbs, const PieceLayout& layout, std::uint64_t id,
               std::uint32_t index, std::string_view stored, bool replace);
std::uint64_t allocate_blob_id(Txn& txn, const Databases& dbs);
void delete_pieces(Txn& txn, const Databases& dbs, std::uint64_t blob_id);

// A large blob is stored over several transactions so that none holds it whole:
// begin_large_blob (one transaction) writes its row as incomplete with a new id and data key, or
// adopts those of an incomplete row left by an interrupted attempt (`plan` is updated to them);
// encode_chunks encodes a part outside any transaction; put_large_part writes it (replacing
// pieces of an earlier attempt) and, with the last chunk, marks the row complete. An incomplete
// row is invisible to readers, dedup and verify.
void begin_large_blob(Txn& txn, const Databases& dbs, const Storage& storage, BlobPlan& plan);
std::vector<std::string> encode_chunks(const Storage& storage, const BlobPlan& plan,
                                       std::string_view bytes, std::uint32_t first,
                                       std::uint32_t count);
void put_large_part(Txn& txn, const Databases& dbs, const PieceLayout& layout, BlobPlan& plan,
                    std::uint32_t first, const std::vector<std::string>& chunks);

// Sets d.seq, d.content_sha256, d.size and d.original_sha256 from the write. `segments` come
// from plan_segments() for these bytes; `encoded` holds blobs encoded ahead (others are encoded
// here). Each distinct blob of the content counts the new delivery as a live user. With
// merge_retransmission, an earlier delivery of the same bytes with the same source, MAIL FROM and
// RCPT TO received at most kRetransmissionWindow before is returned instead of writing a new one
// (checked inside this transaction, so two retransmissions in one batch are merged too).
WriteOutcome write_delivery(Txn& txn, const Databases& dbs, const Storage& storage,
                            const PieceLayout& layout, Delivery& d, const MessageBytes& bytes,
                            const std::vector<Segment>& segments,
                            const std::vector<EncodedBlob>& encoded, bool merge_retransmission);

}  // namespace postjournal::archive
