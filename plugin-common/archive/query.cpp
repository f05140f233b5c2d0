#include "archive/query.hpp"

#include <lmdb.h>

#include <algorithm>
#include <stdexcept>

#include "archive/content_layout.hpp"
#include "archive/keys.hpp"
#include "archive/record_codec.hpp"
#include "journal/address_list.hpp"
#include "util/bytes.hpp"
#include "util/strings.hpp"

namespace postjournal::archive {

namespace {

// Sequence numbers under an index prefix, ascending.
std::vector<std::uint64_t> seqs_with_prefix(const Txn& txn, MDB_dbi dbi, std::string_view prefix) {
  std::vector<std::uint64_t> out;
  Cursor c(txn, dbi);
  for (bool ok = c.seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.next()) {
    if (c.key().size() == prefix.size() + 8) out.push_back(keys::seq_of_suffix(c.key()));
  }
  return out;
}

bool matches(const Delivery& d, const SearchQuery& q) {
  if (!q.range.contains(d.transport.received)) return false;
  if (!q.message_id.empty() &&
      d.envelope.message_id != journal::normalise_message_id(q.message_id)) {
    return false;
  }
  if (q.content_sha256 && d.content_sha256 != *q.content_sha256 &&
      d.original_sha256 != *q.content_sha256) {
    return false;
  }
  if (!q.address.empty()) {
    auto p = participants(d);
    if (!std::binary_search(p.begin(), p.end(), util::to_lower_ascii(q.address))) return false;
  }
  return true;
}

}  // namespace

std::optional<Delivery> load_delivery(const Txn& txn, const Databases& dbs, const TenantId& tenant,
                                      std::uint64_t seq) {
  auto v = txn.get(dbs.deliveries, keys::seq(seq));
  if (!v) return std::nullopt;
  Delivery d;
  std::string err = decode_delivery(*v, d);
  if (!err.empty()) throw std::runtime_error(DeliveryId{tenant, seq}.str() + ": " + err);
  d.seq = seq;
  return d;
}

std::uint64_t count_deliveries(const Txn& txn, const Databases& dbs) {
  MDB_stat st{};
  check_lmdb(mdb_stat(txn.get(), dbs.deliveries, &st), "mdb_stat");
  return st.ms_entries;
}

std::vector<Delivery> list_deliveries(const Txn& txn, const Databases& dbs, const TenantId& tenant,
                                      const TimeRange& range, std::size_t limit) {
  std::vector<Delivery> out;
  Cursor c(txn, dbs.by_time);
  bool ok = range.until ? c.seek(keys::time(*range.until, 0)) : c.last();
  if (range.until) ok = ok ? c.prev() : c.last();
  for (; ok; ok = c.prev()) {
    auto t = static_cast<util::TimeUs>(util::get_be64(c.key()));
    if (range.since && t < *range.since) break;
    if (auto d = load_delivery(txn, dbs, tenant, keys::seq_of_suffix(c.key()))) {
      out.push_back(std::move(*d));
    }
    if (limit != 0 && out.size() >= limit) break;
  }
  return out;
}

std::vector<Delivery> search_deliveries(const Txn& txn, const Databases& dbs,
                                        const TenantId& tenant, const SearchQuery& q) {
  std::vector<std::uint64_t> candidates;
  if (!q.message_id.empty()) {
    candidates = seqs_with_prefix(txn, dbs.by_msgid,
                                  keys::text_prefix(journal::normalise_message_id(q.message_id)));
  } else if (q.content_sha256) {
    candidates = seqs_with_prefix(txn, dbs.by_content, util::as_bytes(*q.content_sha256));
  } else if (!q.address.empty()) {
    candidates =
        seqs_with_prefix(txn, dbs.by_addr, keys::text_prefix(util::to_lower_ascii(q.address)));
  } else {
    return list_deliveries(txn, dbs, tenant, q.range, q.limit);
  }
  std::vector<Delivery> out;
  for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
    auto d = load_delivery(txn, dbs, tenant, *it);
    if (!d || !matches(*d, q)) continue;
    out.push_back(std::move(*d));
    if (q.limit != 0 && out.size() >= q.limit) break;
  }
  std::stable_sort(out.begin(), out.end(), [](const Delivery& a, const Delivery& b) {
    return a.transport.received != b.transport.received
               ? a.transport.received > b.transport.received
               : a.seq > b.seq;
  });
  return out;
}

namespace {

void read_v1_blob(const Txn& txn, const Databases& dbs, const util::Digest& sha, const BlobRow& h,
                  std::uint64_t offset, std::uint64_t end,
                  const std::function<void(std::string_view)>& sink) {
  for (std::uint64_t pos = offset; pos < end;) {
    auto index = static_cast<std::uint32_t>(pos / h.chunk_size);
    auto chunk = txn.get(dbs.chunks, keys::chunk(sha, index));
    std::uint64_t chunk_start = std::uint64_t{index} * h.chunk_size;
    if (!chunk || chunk->size() <= pos - chunk_start) {
      throw StoredBytesError("blob " + util::to_hex(sha) + ": chunk " + std::to_string(index) +
                             " is missing or short");
    }
    std::string_view piece = chunk->substr(static_cast<std::size_t>(pos - chunk_start));
    piece =
        piece.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), end - pos)));
    sink(piece);
    pos += piece.size();
  }
}

void read_v2_blob(const Txn& txn, const Databases& dbs, const Storage& storage,
                  const util::Digest& sha, const BlobRow& row, std::uint64_t offset,
                  std::uint64_t end, const std::function<void(std::string_view)>& sink) {
  Cursor c(txn, dbs.pieces);
  for (std::uint64_t pos = offset; pos < end;) {
    auto index = static_cast<std::uint32_t>(pos / row.chunk_size);
    std::uint64_t chunk_start = std::uint64_t{index} * row.chunk_size;
    std::uint64_t chunk_len = std::min<std::uint64_t>(row.chunk_size, row.size - chunk_start);
    std::string prefix = keys::piece_prefix(row.id, index);
    std::string joined;
    std::string_view stored;
    int pieces = 0;
    for (bool ok = c.seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix;
         ok = c.next()) {
      if (pieces++ == 0) {
        stored = c.value();
      } else {
        if (pieces == 2) joined.assign(stored);
        joined.append(c.value());
        stored = joined;
      }
    }
    if (pieces == 0) {
      throw StoredBytesError("blob " + util::to_hex(sha) + ": chunk " + std::to_string(index) +
                             " is missing");
    }
    std::string plain = storage.decode_chunk(row, sha, index, stored);
    if (plain.size() != chunk_len) {
      throw StoredBytesError("blob " + util::to_hex(sha) + ": chunk " + std::to_string(index) +
                             " has " + std::to_string(plain.size()) + " bytes, not " +
                             std::to_string(chunk_len));
    }
    std::string_view piece = std::string_view(plain).substr(
        static_cast<std::size_t>(pos - chunk_start),
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk_start + chunk_len, end) - pos));
    sink(piece);
    pos += piece.size();
  }
}

}  // namespace

bool read_blob(const Txn& txn, const Databases& dbs, const Storage& storage,
               const util::Digest& sha, std::uint64_t offset, std::uint64_t length,
               const std::function<void(std::string_view)>& sink) {
  auto hv = txn.get(dbs.blobs, util::as_bytes(sha));
  if (!hv) return false;
  auto h = decode_blob_row(*hv);
  if (!h) throw StoredBytesError("blob " + util::to_hex(sha) + ": corrupt header");
  if (!h->complete) return false;
  std::uint64_t end = std::min(h->size, offset + length);
  if (h->version == 1) {
    read_v1_blob(txn, dbs, sha, *h, offset, end, sink);
  } else {
    read_v2_blob(txn, dbs, storage, sha, *h, offset, end, sink);
  }
  return true;
}

bool read_content(const Txn& txn, const Databases& dbs, const Storage& storage,
                  const util::Digest& sha, std::uint64_t offset, std::uint64_t length,
                  const std::function<void(std::string_view)>& sink) {
  auto hv = txn.get(dbs.contents, util::as_bytes(sha));
  if (!hv) return false;
  auto h = decode_content_header(*hv);
  if (!h) throw StoredBytesError("content " + util::to_hex(sha) + ": corrupt header");
  std::uint64_t end = std::min(h->size, offset + length);
  for (const auto& s : h->segments) {
    std::uint64_t s_end = s.offset + s.size;
    if (s_end <= offset || s.offset >= end) continue;
    std::uint64_t from = std::max(offset, s.offset) - s.offset;
    std::uint64_t to = std::min(end, s_end) - s.offset;
    if (!read_blob(txn, dbs, storage, s.sha, from, to - from, sink)) {
      throw StoredBytesError("content " + util::to_hex(sha) + ": segment blob " +
                             util::to_hex(s.sha) + " is missing");
    }
  }
  return true;
}

}  // namespace postjournal::archive
