#include "archive/store_write.hpp"

#include <lmdb.h>

#include <algorithm>
#include <optional>
#include <set>

#include "archive/chain.hpp"
#include "archive/keys.hpp"
#include "archive/record_codec.hpp"
#include "util/bytes.hpp"

namespace postjournal::archive {

namespace {

constexpr std::string_view kVersionKey = "version";
constexpr std::string_view kEncryptionKey = "encryption";
constexpr std::string_view kEncryption = "aes-256-gcm";

}  // namespace

std::string kek_check_key(std::uint32_t id) {
  std::string k = "kek-check:";
  util::put_be32(k, id);
  return k;
}

namespace {

std::string_view chunk_of(std::string_view bytes, const BlobRow& row, std::uint32_t i) {
  std::uint64_t off = std::uint64_t{i} * row.chunk_size;
  return bytes.substr(
      static_cast<std::size_t>(off),
      static_cast<std::size_t>(std::min<std::uint64_t>(row.chunk_size, row.size - off)));
}

// A plan made before `key rotate` wraps its data key with the KEK of now.
void wrap_with(const Storage& storage, BlobPlan& plan, const std::optional<Kek>& kek) {
  if (plan.row.encrypted && kek && plan.row.kek_id != kek->id) {
    plan.row.wrapped_key = storage.wrap(plan.data_key, plan.sha, *kek);
    plan.row.kek_id = kek->id;
  }
}

// Writes a whole blob (all chunks) under a new id with `live` users; replaces any row.
void write_blob(Txn& txn, const Databases& dbs, const Storage& storage, const PieceLayout& layout,
                const std::optional<Kek>& kek, EncodedBlob e, std::uint64_t live) {
  wrap_with(storage, e.plan, kek);
  BlobRow row = e.plan.row;
  row.id = allocate_blob_id(txn, dbs);
  row.live = live;
  row.complete = true;
  for (std::uint32_t i = 0; i < e.chunks.size(); ++i) {
    put_chunk(txn, dbs, layout, row.id, i, e.chunks[i], false);
  }
  put_blob_row(txn, dbs, e.plan.sha, row);
}

// Counts one more live delivery for each distinct blob of `segments`, storing the blobs that
// are missing (or whose key was destroyed). Returns true when every blob was already stored.
bool link_blobs(Txn& txn, const Databases& dbs, const Storage& storage, const PieceLayout& layout,
                const std::optional<Kek>& kek, const MessageBytes& bytes,
                const std::vector<Segment>& segments, const std::vector<EncodedBlob>& encoded) {
  bool all_existed = true;
  std::set<util::Digest> seen;
  for (const auto& s : segments) {
    if (!seen.insert(s.sha).second) continue;
    auto row = blob_row(txn, dbs, s.sha);
    if (row && row->version == 1) continue;  // format 1: no count, kept until migrate
    if (row && row->usable()) {
      row->live++;
      put_blob_row(txn, dbs, s.sha, *row);
      continue;
    }
    all_existed = false;
    auto it = std::find_if(encoded.begin(), encoded.end(),
                           [&](const EncodedBlob& e) { return e.plan.sha == s.sha; });
    if (it != encoded.end()) {
      write_blob(txn, dbs, storage, layout, kek, *it, 1);
    } else {
      std::string_view piece =
          bytes.view().substr(static_cast<std::size_t>(s.offset), static_cast<std::size_t>(s.size));
      write_blob(txn, dbs, storage, layout, kek, encode_blob(storage, piece, s.sha), 1);
    }
  }
  return all_existed;
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

EncodedBlob encode_blob(const Storage& storage, std::string_view bytes, const util::Digest& sha) {
  EncodedBlob e;
  e.plan = storage.plan(sha, bytes.size());
  e.chunks.reserve(e.plan.row.chunk_count);
  for (std::uint32_t i = 0; i < e.plan.row.chunk_count; ++i) {
    e.chunks.push_back(storage.encode_chunk(e.plan, i, chunk_of(bytes, e.plan.row, i)));
  }
  return e;
}

std::optional<BlobRow> blob_row(const Txn& txn, const Databases& dbs, const util::Digest& sha) {
  auto v = txn.get(dbs.blobs, util::as_bytes(sha));
  if (!v) return std::nullopt;
  auto row = decode_blob_row(*v);
  if (!row) throw LmdbError(MDB_CORRUPTED, "blob " + util::to_hex(sha) + ": corrupt row");
  return row;
}

void put_blob_row(Txn& txn, const Databases& dbs, const util::Digest& sha, const BlobRow& row) {
  txn.put(dbs.blobs, util::as_bytes(sha), encode_blob_row(row));
}

std::optional<Kek> note_storage(Txn& txn, const Databases& dbs, const Storage& storage) {
  if (auto v = txn.get(dbs.meta, kVersionKey); v && *v == "1") txn.put(dbs.meta, kVersionKey, "2");
  bool encrypted = txn.get(dbs.meta, kEncryptionKey).has_value();
  if (!storage.options().encrypt) {
    if (encrypted) {
      throw std::runtime_error("the archive of tenant " + storage.tenant().str() +
                               " is encrypted (aes-256-gcm) but archive.encryption is none: "
                               "refusing to store mail in clear text");
    }
    return std::nullopt;
  }
  if (!encrypted) txn.put(dbs.meta, kEncryptionKey, kEncryption);
  Kek kek = storage.keys().current();
  std::uint32_t newest = current_kek_id(txn, dbs);
  if (kek.id < newest) {  // rotated by another process since the file was read
    storage.keys().reload();
    kek = storage.keys().current();
    if (kek.id < newest) {
      throw KeyError("tenant " + storage.tenant().str() + ": the archive uses kek " +
                     std::to_string(newest) + " but " + storage.keys().path() + " has only kek " +
                     std::to_string(kek.id) + " (an old copy of the key file?)");
    }
  }
  check_kek(txn, dbs, storage, kek);
  if (kek.id != newest) set_current_kek_id(txn, dbs, kek.id);
  return kek;
}

void check_kek(Txn& txn, const Databases& dbs, const Storage& storage, const Kek& kek) {
  std::string check = kek_check(kek, storage.tenant());
  std::string key = kek_check_key(kek.id);
  auto known = txn.get(dbs.meta, key);
  if (!known) {
    txn.put(dbs.meta, key, check);
  } else if (*known != check) {
    throw KeyError("tenant " + storage.tenant().str() + ": kek " + std::to_string(kek.id) + " of " +
                   storage.keys().path() +
                   " is not the key this archive was encrypted with (a wrong key file)");
  }
}

std::uint32_t current_kek_id(const Txn& txn, const Databases& dbs) {
  auto v = txn.get(dbs.meta, keys::kCurrentKek);
  return v && v->size() == 4 ? util::get_be32(*v) : 0;
}

void set_current_kek_id(Txn& txn, const Databases& dbs, std::uint32_t id) {
  std::string v;
  util::put_be32(v, id);
  txn.put(dbs.meta, keys::kCurrentKek, v);
}

bool archive_encrypted(const Txn& txn, const Databases& dbs) {
  return txn.get(dbs.meta, kEncryptionKey).has_value();
}

void put_chunk(Txn& txn, const Databases& dbs, const PieceLayout& layout, std::uint64_t id,
               std::uint32_t index, std::string_view stored, bool replace) {
  if (replace) {
    std::string prefix = keys::piece_prefix(id, index);
    for (std::uint8_t p = 0; txn.del(dbs.pieces, prefix + static_cast<char>(p)); ++p) {
    }
  }
  std::uint8_t p = 0;
  std::size_t off = 0;
  // A new blob's id is the highest yet: its pieces are appended, which fills leaf pages (an
  // ordinary insert at the end of a page splits it in half).
  unsigned flags = replace ? 0u : unsigned{MDB_APPEND};
  for (std::size_t n : piece_sizes(stored.size(), layout.page, layout.inline_max)) {
    txn.put(dbs.pieces, keys::piece(id, index, p++), stored.substr(off, n), flags);
    off += n;
  }
}

void delete_pieces(Txn& txn, const Databases& dbs, std::uint64_t blob_id) {
  std::string prefix = keys::seq(blob_id);
  std::vector<std::string> doomed;
  {
    Cursor c(txn, dbs.pieces);
    for (bool ok = c.seek(prefix); ok && c.key().substr(0, 8) == prefix; ok = c.next()) {
      doomed.emplace_back(c.key());
    }
  }
  for (const auto& k : doomed) txn.del(dbs.pieces, k);
}

std::uint64_t allocate_blob_id(Txn& txn, const Databases& dbs) {
  std::uint64_t id = 1;
  if (auto v = txn.get(dbs.meta, keys::kNextBlobId); v && v->size() == 8) id = util::get_be64(*v);
  std::string next;
  util::put_be64(next, id + 1);
  txn.put(dbs.meta, keys::kNextBlobId, next);
  return id;
}

void begin_large_blob(Txn& txn, const Databases& dbs, const Storage& storage, BlobPlan& plan) {
  std::optional<Kek> kek = note_storage(txn, dbs, storage);
  auto row = blob_row(txn, dbs, plan.sha);
  if (row && row->version == 2 && !row->complete && row->size == plan.row.size &&
      row->encrypted == plan.row.encrypted && row->chunk_size == plan.row.chunk_size) {
    // An interrupted attempt: reuse its id and key, rewrite its chunks.
    plan.row = *row;
    if (row->encrypted) plan.data_key = storage.data_key(*row, plan.sha);
    return;
  }
  wrap_with(storage, plan, kek);
  plan.row.id = allocate_blob_id(txn, dbs);
  plan.row.live = 0;
  plan.row.complete = false;
  put_blob_row(txn, dbs, plan.sha, plan.row);
}

std::vector<std::string> encode_chunks(const Storage& storage, const BlobPlan& plan,
                                       std::string_view bytes, std::uint32_t first,
                                       std::uint32_t count) {
  std::vector<std::string> out;
  std::uint32_t end = std::min(plan.row.chunk_count, first + count);
  for (std::uint32_t i = first; i < end; ++i) {
    out.push_back(storage.encode_chunk(plan, i, chunk_of(bytes, plan.row, i)));
  }
  return out;
}

void put_large_part(Txn& txn, const Databases& dbs, const PieceLayout& layout, BlobPlan& plan,
                    std::uint32_t first, const std::vector<std::string>& chunks) {
  for (std::uint32_t k = 0; k < chunks.size(); ++k) {
    put_chunk(txn, dbs, layout, plan.row.id, first + k, chunks[k], true);
  }
  if (first + chunks.size() >= plan.row.chunk_count) {
    plan.row.complete = true;
    put_blob_row(txn, dbs, plan.sha, plan.row);
  }
}

WriteOutcome write_delivery(Txn& txn, const Databases& dbs, const Storage& storage,
                            const PieceLayout& layout, Delivery& d, const MessageBytes& bytes,
                            const std::vector<Segment>& segments,
                            const std::vector<EncodedBlob>& encoded, bool merge_retransmission) {
  WriteOutcome out;
  d.content_sha256 = bytes.sha256();
  d.size = bytes.size();
  d.original_sha256 = d.content_sha256;
  for (const auto& s : segments) {
    if (s.offset == d.envelope.original_offset && s.size == d.envelope.original_size) {
      d.original_sha256 = s.sha;
    }
  }
  std::string content_key(util::as_bytes(bytes.sha256()));
  bool content_existed = txn.get(dbs.contents, content_key).has_value();
  if (merge_retransmission && content_existed) {
    if (auto earlier = retransmission_of(txn, dbs, d)) {
      d.seq = out.seq = *earlier;
      out.retransmission = true;
      out.content_existed = true;
      return out;
    }
  }
  std::optional<Kek> kek = note_storage(txn, dbs, storage);
  bool blobs_existed = link_blobs(txn, dbs, storage, layout, kek, bytes, segments, encoded);
  if (!content_existed) {
    ContentHeader h;
    h.size = bytes.size();
    h.segments = segments;
    txn.put(dbs.contents, content_key, encode_content_header(h));
  }
  out.content_existed = content_existed && blobs_existed;

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
