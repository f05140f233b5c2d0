#include "archive/stamps.hpp"

#include <lmdb.h>

#include <algorithm>

#include "archive/audit.hpp"
#include "archive/keys.hpp"
#include "archive/query.hpp"
#include "util/bytes.hpp"

namespace postjournal::archive {

namespace {

constexpr std::string_view kStampMagic = "PJST1";

std::optional<util::Digest> digest_at(std::string_view bytes) {
  if (bytes.size() < 32) return std::nullopt;
  util::Digest d{};
  std::copy_n(bytes.begin(), d.size(), reinterpret_cast<char*>(d.data()));
  return d;
}

std::uint64_t as_u64(util::TimeUs t) {
  return static_cast<std::uint64_t>(t < 0 ? 0 : t);
}

}  // namespace

std::string encode_stamp(const StampRecord& s) {
  std::string out(kStampMagic);
  util::put_varint(out, as_u64(s.requested));
  util::put_varint(out, as_u64(s.gen_time));
  util::put_varint(out, s.deliveries.seq);
  out.append(util::as_bytes(s.deliveries.link));
  util::put_varint(out, s.audit.seq);
  out.append(util::as_bytes(s.audit.link));
  util::put_be64(out, s.nonce);
  util::put_bytes(out, s.tsa_url);
  util::put_bytes(out, s.token);
  return out;
}

std::optional<StampRecord> decode_stamp(std::string_view bytes) {
  if (bytes.substr(0, kStampMagic.size()) != kStampMagic) return std::nullopt;
  util::ByteReader r(bytes.substr(kStampMagic.size()));
  StampRecord s;
  std::uint64_t requested = 0, gen = 0;
  std::string_view nonce;
  bool ok = r.varint(requested) && r.varint(gen) && r.varint(s.deliveries.seq) &&
            util::read_digest(r, s.deliveries.link) && r.varint(s.audit.seq) &&
            util::read_digest(r, s.audit.link) && r.raw(8, nonce) && r.bytes(s.tsa_url) &&
            r.bytes(s.token) && r.done();
  if (!ok || requested > INT64_MAX || gen > INT64_MAX) return std::nullopt;
  s.requested = static_cast<util::TimeUs>(requested);
  s.gen_time = static_cast<util::TimeUs>(gen);
  s.nonce = util::get_be64(nonce);
  return s;
}

std::string anchor_statement(const TenantId& tenant, const ChainHead& deliveries,
                             const ChainHead& audit) {
  return "postjournal chain anchor 1\ntenant: " + tenant.str() +
         "\ndeliveries: " + std::to_string(deliveries.seq) + " " + util::to_hex(deliveries.link) +
         "\naudit: " + std::to_string(audit.seq) + " " + util::to_hex(audit.link) + "\n";
}

Heads read_heads(const Txn& txn, const Databases& dbs) {
  Heads h;
  if (auto v = txn.get(dbs.meta, keys::kHead)) {
    auto d = decode_head(*v);
    if (!d) throw LmdbError(MDB_CORRUPTED, "archive chain head is corrupt");
    h.deliveries = *d;
  }
  if (auto v = txn.get(dbs.meta, keys::kAuditHead)) {
    auto d = decode_head(*v);
    if (!d) throw LmdbError(MDB_CORRUPTED, "audit log head is corrupt");
    h.audit = *d;
  }
  return h;
}

std::vector<StampRecord> read_stamps(const Txn& txn, const Databases& dbs) {
  std::vector<StampRecord> out;
  Cursor c(txn, dbs.stamps);
  for (bool ok = c.first(); ok; ok = c.next()) {
    StampRecord s = decode_stamp(c.value()).value_or(StampRecord{});
    s.seq = keys::seq_of_suffix(c.key());
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<StampRecord> last_stamp(const Txn& txn, const Databases& dbs) {
  Cursor c(txn, dbs.stamps);
  if (!c.last()) return std::nullopt;
  auto s = decode_stamp(c.value());
  if (s) s->seq = keys::seq_of_suffix(c.key());
  return s;
}

void append_stamp(Txn& txn, const Databases& dbs, StampRecord& s) {
  Cursor c(txn, dbs.stamps);
  s.seq = c.last() ? keys::seq_of_suffix(c.key()) + 1 : 1;
  txn.put(dbs.stamps, keys::seq(s.seq), encode_stamp(s), MDB_APPEND);
}

std::optional<util::Digest> stored_link(const Txn& txn, const Databases& dbs, std::uint64_t seq) {
  if (seq == 0) return util::Digest{};
  auto v = txn.get(dbs.chain, keys::seq(seq));
  if (!v || v->size() != 32) return std::nullopt;
  return digest_at(*v);
}

std::optional<util::Digest> stored_audit_link(const Txn& txn, const Databases& dbs,
                                              std::uint64_t seq) {
  if (seq == 0) return util::Digest{};
  auto v = txn.get(dbs.audit, keys::seq(seq));
  if (!v) return std::nullopt;
  return digest_at(*v);
}

std::optional<std::vector<util::Digest>> chain_digests(const Txn& txn, const Databases& dbs,
                                                       const TenantId& tenant, std::uint64_t from,
                                                       std::uint64_t to) {
  std::vector<util::Digest> out;
  for (std::uint64_t s = from; s <= to && s != 0; ++s) {
    if (auto record = txn.get(dbs.deliveries, keys::seq(s))) {
      auto d = load_delivery(txn, dbs, tenant, s);
      if (!d) return std::nullopt;
      out.push_back(delivery_digest(*record, d->content_sha256));
    } else if (auto t = txn.get(dbs.tombstones, keys::seq(s))) {
      auto tomb = decode_tombstone(*t);
      if (!tomb) return std::nullopt;
      out.push_back(tomb->chain_digest);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<ChainProof> chain_proof(const Txn& txn, const Databases& dbs, const TenantId& tenant,
                                      std::uint64_t seq, std::uint64_t to) {
  if (seq == 0 || seq > to) return std::nullopt;
  auto record = txn.get(dbs.deliveries, keys::seq(seq));
  auto previous = stored_link(txn, dbs, seq - 1);
  auto head = stored_link(txn, dbs, to);
  auto digests = chain_digests(txn, dbs, tenant, seq, to);
  if (!record || !previous || !head || !digests) return std::nullopt;
  return ChainProof{std::string(*record), *previous, std::move(*digests), *head};
}

}  // namespace postjournal::archive
