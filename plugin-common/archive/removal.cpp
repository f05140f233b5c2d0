#include "archive/removal.hpp"

#include <lmdb.h>

#include <set>
#include <stdexcept>

#include "archive/chain.hpp"
#include "archive/content_layout.hpp"
#include "archive/keys.hpp"
#include "archive/query.hpp"
#include "archive/record_codec.hpp"
#include "archive/retention_store.hpp"
#include "archive/store_write.hpp"
#include "archive/text_cache.hpp"

namespace postjournal::archive {

namespace {

util::Digest digest_of(std::string_view bytes) {
  util::Digest d{};
  if (bytes.size() == d.size())
    std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(d.data()));
  return d;
}

// True when a delivery other than the removed one still has `sha` as its stored bytes.
bool content_in_use(const Txn& txn, const Databases& dbs, const TenantId& tenant,
                    const util::Digest& sha) {
  std::string prefix(util::as_bytes(sha));
  Cursor c(txn, dbs.by_content);
  for (bool ok = c.seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.next()) {
    auto d = load_delivery(txn, dbs, tenant, keys::seq_of_suffix(c.key()));
    if (d && d->content_sha256 == sha) return true;
  }
  return false;
}

// Format-1 blobs carry no count of their users: a scan of every content decides.
bool v1_blob_in_use(const Txn& txn, const Databases& dbs, const util::Digest& blob) {
  Cursor c(txn, dbs.contents);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto h = decode_content_header(c.value());
    if (!h) return true;  // unreadable: keep everything, verify reports it
    for (const auto& s : h->segments) {
      if (s.sha == blob) return true;
    }
  }
  return false;
}

void remove_blob(Txn& txn, const Databases& dbs, const util::Digest& sha, const BlobRow& row) {
  if (row.version == 1) {
    for (std::uint32_t i = 0; i < row.chunk_count; ++i) txn.del(dbs.chunks, keys::chunk(sha, i));
  } else {
    delete_pieces(txn, dbs, row.id);
  }
  txn.del(dbs.blobs, util::as_bytes(sha));
}

// The removed delivery no longer uses the blobs of its content: each version-2 blob counts one
// live user less and goes at zero; the content goes when no delivery has these bytes, and then
// its format-1 blobs that no other content uses.
void release_content(Txn& txn, const Databases& dbs, const TenantId& tenant,
                     const util::Digest& sha) {
  auto hv = txn.get(dbs.contents, util::as_bytes(sha));
  if (!hv) return;
  auto h = decode_content_header(*hv);
  std::set<util::Digest> blobs;
  if (h) {
    for (const auto& s : h->segments) blobs.insert(s.sha);
  }
  for (const auto& b : blobs) {
    auto row = blob_row(txn, dbs, b);
    if (!row || row->version == 1) continue;
    if (row->live > 0) row->live--;
    if (row->live == 0) {
      remove_blob(txn, dbs, b, *row);
    } else {
      put_blob_row(txn, dbs, b, *row);
    }
  }
  if (content_in_use(txn, dbs, tenant, sha)) return;
  txn.del(dbs.contents, util::as_bytes(sha));
  drop_cached_texts(txn, dbs, sha);
  for (const auto& b : blobs) {
    auto row = blob_row(txn, dbs, b);
    if (row && row->version == 1 && !v1_blob_in_use(txn, dbs, b)) remove_blob(txn, dbs, b, *row);
  }
}

}  // namespace

void append_audit(Txn& txn, const Databases& dbs, AuditEntry& entry) {
  ChainHead head;
  if (auto h = txn.get(dbs.meta, keys::kAuditHead)) {
    auto decoded = decode_head(*h);
    if (!decoded) throw LmdbError(MDB_CORRUPTED, "audit log head is corrupt");
    head = *decoded;
  }
  entry.seq = head.seq + 1;
  std::string encoded = encode_audit(entry);
  head.seq = entry.seq;
  head.link = audit_link(head.link, encoded);
  std::string value(util::as_bytes(head.link));
  value += encoded;
  txn.put(dbs.audit, keys::seq(entry.seq), value, MDB_APPEND);
  txn.put(dbs.meta, keys::kAuditHead, encode_head(head));
}

std::optional<Tombstone> load_tombstone(const Txn& txn, const Databases& dbs, std::uint64_t seq) {
  auto v = txn.get(dbs.tombstones, keys::seq(seq));
  if (!v) return std::nullopt;
  return decode_tombstone(*v);
}

Delivery remove_delivery(Txn& txn, const Databases& dbs, const TenantId& tenant, std::uint64_t seq,
                         AuditEntry& entry) {
  std::string id = DeliveryId{tenant, seq}.str();
  std::string seq_key = keys::seq(seq);
  auto record = txn.get(dbs.deliveries, seq_key);
  if (!record) {
    if (auto t = load_tombstone(txn, dbs, seq)) {
      throw std::runtime_error(id + " was already removed (audit entry " +
                               std::to_string(t->audit_seq) + ")");
    }
    throw std::runtime_error("no delivery " + id);
  }
  Delivery d;
  if (std::string err = decode_delivery(*record, d); !err.empty()) {
    throw std::runtime_error(id + ": " + err);
  }
  d.seq = seq;
  if (auto r = load_retention(txn, dbs, seq); r && r->minimum_until > entry.time) {
    throw RetentionLocked(id + " is under minimum retention until " +
                          util::format_iso8601(r->minimum_until) + " (policy " + r->policy +
                          (r->rule.empty() ? "" : ", rule " + r->rule) +
                          "): it cannot be removed before then");
  }
  if (auto pins = pins_of(txn, dbs, seq); !pins.empty()) {
    std::string names;
    for (const auto& p : pins) names += (names.empty() ? "" : ", ") + p;
    throw RetentionLocked(id + " is under legal hold (" + names + "): it cannot be removed");
  }
  Tombstone tomb;
  tomb.chain_digest = delivery_digest(*record, d.content_sha256);

  txn.del(dbs.deliveries, seq_key);
  txn.del(dbs.by_time, keys::time(d.transport.received, seq));
  if (!d.envelope.message_id.empty()) txn.del(dbs.by_msgid, keys::text(d.envelope.message_id, seq));
  for (const auto& a : participants(d)) txn.del(dbs.by_addr, keys::text(a, seq));
  txn.del(dbs.by_content, keys::content(d.content_sha256, seq));
  txn.del(dbs.by_content, keys::content(d.original_sha256, seq));
  if (!d.transport.fetch_uid.empty()) {
    std::string k =
        keys::fetched(d.transport.source, d.transport.fetch_server, d.transport.fetch_uid);
    if (auto v = txn.get(dbs.fetched, k); v && *v == seq_key) txn.del(dbs.fetched, k);
  }
  release_content(txn, dbs, tenant, d.content_sha256);
  drop_retention(txn, dbs, seq);

  entry.delivery = id;
  entry.content_sha256 = d.content_sha256;
  append_audit(txn, dbs, entry);
  tomb.audit_seq = entry.seq;
  txn.put(dbs.tombstones, seq_key, encode_tombstone(tomb));
  return d;
}

std::optional<AuditEntry> load_audit(const Txn& txn, const Databases& dbs, std::uint64_t seq) {
  auto v = txn.get(dbs.audit, keys::seq(seq));
  if (!v || v->size() < 32) return std::nullopt;
  auto e = decode_audit(v->substr(32));
  if (e) e->seq = seq;
  return e;
}

std::vector<AuditEntry> read_audit(const Txn& txn, const Databases& dbs) {
  std::vector<AuditEntry> out;
  Cursor c(txn, dbs.audit);
  for (bool ok = c.first(); ok; ok = c.next()) {
    if (c.value().size() < 32) continue;
    if (auto e = decode_audit(c.value().substr(32))) {
      e->seq = keys::seq_of_suffix(c.key());
      out.push_back(std::move(*e));
    }
  }
  return out;
}

void verify_audit(const Txn& txn, const Databases& dbs, VerifyReport& report) {
  util::Digest prev{};
  std::uint64_t expected = 1;
  Cursor c(txn, dbs.audit);
  for (bool ok = c.first(); ok; ok = c.next()) {
    std::uint64_t seq = keys::seq_of_suffix(c.key());
    std::string where = "audit entry " + std::to_string(seq);
    if (seq != expected) {
      report.problems.push_back({where, "audit entries before it are missing"});
    }
    expected = seq + 1;
    ++report.audit_entries;
    std::string_view v = c.value();
    if (v.size() < 32 || !decode_audit(v.substr(32))) {
      report.problems.push_back({where, "audit entry is truncated or corrupt"});
      if (v.size() >= 32) prev = digest_of(v.substr(0, 32));
      continue;
    }
    if (audit_link(prev, v.substr(32)) != digest_of(v.substr(0, 32))) {
      report.problems.push_back({where, "audit entry or its link was changed"});
    }
    prev = digest_of(v.substr(0, 32));
  }
  std::optional<ChainHead> head;
  if (auto hv = txn.get(dbs.meta, keys::kAuditHead)) head = decode_head(*hv);
  std::uint64_t last = expected - 1;
  if (head ? (head->seq != last || (last > 0 && head->link != prev)) : last > 0) {
    report.problems.push_back({"audit head", "audit log head does not match its last entry"});
  }
  Cursor t(txn, dbs.tombstones);
  for (bool ok = t.first(); ok; ok = t.next()) {
    auto tomb = decode_tombstone(t.value());
    if (!tomb || tomb->audit_seq == 0 || tomb->audit_seq > last) {
      report.problems.push_back({"tombstone " + std::to_string(keys::seq_of_suffix(t.key())),
                                 "tombstone is corrupt or names no audit entry"});
    }
  }
}

}  // namespace postjournal::archive
