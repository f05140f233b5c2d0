#include "archive/store_write.hpp"

#include <lmdb.h>

#include <algorithm>
#include <optional>

#include "archive/chain.hpp"
#include "archive/keys.hpp"
#include "archive/record_codec.hpp"

namespace postjournal::archive {

namespace {

void store_blob(Txn& txn, const Databases& dbs, std::string_view bytes, const util::Digest& sha) {
  if (txn.get(dbs.blobs, util::as_bytes(sha))) return;
  store_blob_part(txn, dbs, bytes, sha, 0, bytes.size());
}

// Returns true when the content was already stored.
bool store_content(Txn& txn, const Databases& dbs, const MessageBytes& bytes,
                   const std::vector<Segment>& segments) {
  std::string key(util::as_bytes(bytes.sha256()));
  if (txn.get(dbs.contents, key)) return true;
  ContentHeader h;
  h.size = bytes.size();
  h.segments = segments;
  for (const auto& s : segments) {
    store_blob(
        txn, dbs,
        bytes.view().substr(static_cast<std::size_t>(s.offset), static_cast<std::size_t>(s.size)),
        s.sha);
  }
  txn.put(dbs.contents, key, encode_content_header(h));
  return false;
}

// An earlier delivery that `d` retransmits, if any (see write_delivery).
std::optional<std::uint64_t> retransmission_of(const Txn& txn, const Databases& dbs,
                                               const Delivery& d) {
  std::string prefix(util::as_bytes(d.content_sha256));
  Cursor c(txn, dbs.by_content);
  for (bool ok = c.seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.next()) {
    std::uint64_t seq = keys::seq_of_suffix(c.key());
    auto record = txn.get(dbs.deliveries, keys::seq(seq));
    Delivery e;
    if (!record || !decode_delivery(*record, e).empty()) continue;
    if (e.content_sha256 == d.content_sha256 && e.transport.source == d.transport.source &&
        e.transport.mail_from == d.transport.mail_from &&
        e.transport.rcpt_to == d.transport.rcpt_to &&
        e.transport.received <= d.transport.received &&
        d.transport.received - e.transport.received <= kRetransmissionWindow) {
      return seq;
    }
  }
  return std::nullopt;
}

}  // namespace

void store_blob_part(Txn& txn, const Databases& dbs, std::string_view bytes,
                     const util::Digest& sha, std::uint64_t offset, std::uint64_t length) {
  std::uint64_t end = std::min<std::uint64_t>(bytes.size(), offset + length);
  auto index = static_cast<std::uint32_t>(offset / keys::kChunkSize);
  for (std::uint64_t off = offset; off < end; off += keys::kChunkSize, ++index) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(keys::kChunkSize, end - off));
    txn.put(dbs.chunks, keys::chunk(sha, index), bytes.substr(static_cast<std::size_t>(off), n));
  }
  if (end < bytes.size()) return;  // the header marks the blob complete: written with its last part
  BlobHeader h;
  h.size = bytes.size();
  h.chunk_size = static_cast<std::uint32_t>(keys::kChunkSize);
  h.chunk_count =
      static_cast<std::uint32_t>((bytes.size() + keys::kChunkSize - 1) / keys::kChunkSize);
  txn.put(dbs.blobs, util::as_bytes(sha), encode_blob_header(h));
}

WriteOutcome write_delivery(Txn& txn, const Databases& dbs, Delivery& d, const MessageBytes& bytes,
                            const std::vector<Segment>& segments, bool merge_retransmission) {
  WriteOutcome out;
  d.content_sha256 = bytes.sha256();
  d.size = bytes.size();
  d.original_sha256 = d.content_sha256;
  for (const auto& s : segments) {
    if (s.offset == d.envelope.original_offset && s.size == d.envelope.original_size) {
      d.original_sha256 = s.sha;
    }
  }
  out.content_existed = store_content(txn, dbs, bytes, segments);
  if (merge_retransmission && out.content_existed) {
    if (auto earlier = retransmission_of(txn, dbs, d)) {
      d.seq = out.seq = *earlier;
      out.retransmission = true;
      return out;
    }
  }

  ChainHead head;
  if (auto h = txn.get(dbs.meta, keys::kHead)) {
    auto decoded = decode_head(*h);
    if (!decoded) throw LmdbError(MDB_CORRUPTED, "archive chain head is corrupt");
    head = *decoded;
  }
  d.seq = head.seq + 1;
  out.seq = d.seq;
  std::string record = encode_delivery(d);
  std::string seq_key = keys::seq(d.seq);
  txn.put(dbs.deliveries, seq_key, record, MDB_APPEND);

  txn.put(dbs.by_time, keys::time(d.transport.received, d.seq), {});
  if (!d.envelope.message_id.empty()) {
    txn.put(dbs.by_msgid, keys::text(d.envelope.message_id, d.seq), {});
  }
  for (const auto& a : participants(d)) txn.put(dbs.by_addr, keys::text(a, d.seq), {});
  txn.put(dbs.by_content, keys::content(d.content_sha256, d.seq), {});
  if (d.original_sha256 != d.content_sha256) {
    txn.put(dbs.by_content, keys::content(d.original_sha256, d.seq), {});
  }
  if (!d.transport.fetch_uid.empty()) {
    txn.put(dbs.fetched,
            keys::fetched(d.transport.source, d.transport.fetch_server, d.transport.fetch_uid),
            seq_key);
  }

  head.link = chain_link(head.link, delivery_digest(record, d.content_sha256));
  head.seq = d.seq;
  txn.put(dbs.chain, seq_key, util::as_bytes(head.link), MDB_APPEND);
  txn.put(dbs.meta, keys::kHead, encode_head(head));
  return out;
}

}  // namespace postjournal::archive
