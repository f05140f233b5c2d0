// Writes one delivery inside the caller's write transaction: the content once (content-addressed
// by SHA-256; its segments as blobs, each stored once, see content_layout.hpp), the record under
// the next sequence number, the time / Message-ID / participant / content indexes and the next
// hash-chain link. Called only by the writer thread. Throws LmdbError (MDB_MAP_FULL included); on a
// throw the caller aborts the transaction, so nothing of the delivery remains.
#pragma once

#include <cstdint>

#include "archive/content_layout.hpp"
#include "archive/delivery.hpp"
#include "archive/lmdb_env.hpp"
#include "archive/message_bytes.hpp"

namespace postjournal::archive {

struct WriteOutcome {
  std::uint64_t seq = 0;
  bool content_existed = false;  // the bytes were already stored: only a delivery was added
  bool retransmission = false;   // nothing was added: `seq` is the earlier delivery
};

// How far back a retransmission is recognised (Exchange Online retries for two days).
inline constexpr util::TimeUs kRetransmissionWindow = 7LL * 24 * 3600 * 1000000;

// Writes bytes [offset, offset+length) of a blob (offset a multiple of keys::kChunkSize); the part
// that reaches the end also writes the blob header, which marks the blob complete. Lets the writer
// store a large blob ahead, over several transactions, so no single transaction holds it whole.
void store_blob_part(Txn& txn, const Databases& dbs, std::string_view bytes,
                     const util::Digest& sha, std::uint64_t offset, std::uint64_t length);

// Sets d.seq, d.content_sha256, d.size and d.original_sha256 from the write. `segments` come
// from plan_segments() for these bytes. With merge_retransmission, an earlier delivery of the
// same bytes with the same source, MAIL FROM and RCPT TO received at most kRetransmissionWindow
// before is returned instead of writing a new one (checked inside this transaction, so two
// retransmissions in one batch are merged too).
WriteOutcome write_delivery(Txn& txn, const Databases& dbs, Delivery& d, const MessageBytes& bytes,
                            const std::vector<Segment>& segments, bool merge_retransmission);

}  // namespace postjournal::archive
