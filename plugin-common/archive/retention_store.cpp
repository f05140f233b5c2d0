#include "archive/retention_store.hpp"

#include <set>

#include "archive/keys.hpp"
#include "util/bytes.hpp"

namespace postjournal::archive {

namespace {

constexpr std::string_view kRetentionMagic = "PJRE1";
constexpr std::string_view kHoldMagic = "PJHO1";
constexpr std::string_view kErasureMagic = "PJER1";

std::uint64_t u(util::TimeUs t) {
  return static_cast<std::uint64_t>(t < 0 ? 0 : t);
}

bool time_field(util::ByteReader& r, util::TimeUs& t) {
  std::uint64_t v = 0;
  if (!r.varint(v) || v > static_cast<std::uint64_t>(INT64_MAX)) return false;
  t = static_cast<util::TimeUs>(v);
  return true;
}

std::string expiry_key(util::TimeUs t, std::uint64_t seq) {
  return keys::time(t, seq);
}

std::string pin_key(std::uint64_t seq, std::string_view hold) {
  std::string k = keys::seq(seq);
  k += hold;
  return k;
}

}  // namespace

std::string encode_retention(const RetentionEntry& e) {
  std::string out(kRetentionMagic);
  for (const std::string* s : {&e.policy, &e.rule, &e.keep, &e.minimum}) util::put_bytes(out, *s);
  util::put_varint(out, u(e.keep_until));
  util::put_varint(out, u(e.minimum_until));
  util::put_varint(out, u(e.fixed_at));
  util::put_varint(out, e.audit_seq);
  return out;
}

std::optional<RetentionEntry> decode_retention(std::string_view bytes) {
  if (bytes.substr(0, kRetentionMagic.size()) != kRetentionMagic) return std::nullopt;
  util::ByteReader r(bytes.substr(kRetentionMagic.size()));
  RetentionEntry e;
  bool ok = true;
  for (std::string* s : {&e.policy, &e.rule, &e.keep, &e.minimum}) ok = ok && r.bytes(*s);
  ok = ok && time_field(r, e.keep_until) && time_field(r, e.minimum_until) &&
       time_field(r, e.fixed_at) && r.varint(e.audit_seq) && r.done();
  if (!ok) return std::nullopt;
  return e;
}

std::string encode_hold(const Hold& h) {
  std::string out(kHoldMagic);
  for (const std::string* s : {&h.name, &h.kind, &h.scope, &h.reason, &h.created_by}) {
    util::put_bytes(out, *s);
  }
  util::put_varint(out, u(h.created));
  util::put_varint(out, h.create_audit);
  util::put_varint(out, u(h.released));
  util::put_bytes(out, h.released_by);
  util::put_bytes(out, h.release_reason);
  util::put_varint(out, h.release_audit);
  return out;
}

std::optional<Hold> decode_hold(std::string_view bytes) {
  if (bytes.substr(0, kHoldMagic.size()) != kHoldMagic) return std::nullopt;
  util::ByteReader r(bytes.substr(kHoldMagic.size()));
  Hold h;
  bool ok = true;
  for (std::string* s : {&h.name, &h.kind, &h.scope, &h.reason, &h.created_by}) {
    ok = ok && r.bytes(*s);
  }
  ok = ok && time_field(r, h.created) && r.varint(h.create_audit) && time_field(r, h.released) &&
       r.bytes(h.released_by) && r.bytes(h.release_reason) && r.varint(h.release_audit) && r.done();
  if (!ok) return std::nullopt;
  return h;
}

std::string encode_erasure(const ErasureRequest& q) {
  std::string out(kErasureMagic);
  util::put_varint(out, q.id);
  for (const std::string* s : {&q.state, &q.scope, &q.reason, &q.requested_by}) {
    util::put_bytes(out, *s);
  }
  util::put_varint(out, u(q.requested));
  util::put_varint(out, q.requester_uid);
  util::put_varint(out, q.request_audit);
  util::put_varint(out, q.erase.size());
  for (auto s : q.erase) util::put_varint(out, s);
  util::put_varint(out, q.kept.size());
  for (const auto& [s, why] : q.kept) {
    util::put_varint(out, s);
    util::put_bytes(out, why);
  }
  util::put_varint(out, u(q.approved));
  util::put_bytes(out, q.approved_by);
  util::put_varint(out, q.approver_uid);
  util::put_varint(out, q.approve_audit);
  return out;
}

std::optional<ErasureRequest> decode_erasure(std::string_view bytes) {
  if (bytes.substr(0, kErasureMagic.size()) != kErasureMagic) return std::nullopt;
  util::ByteReader r(bytes.substr(kErasureMagic.size()));
  ErasureRequest q;
  bool ok = r.varint(q.id);
  for (std::string* s : {&q.state, &q.scope, &q.reason, &q.requested_by}) ok = ok && r.bytes(*s);
  ok = ok && time_field(r, q.requested) && r.varint(q.requester_uid) && r.varint(q.request_audit);
  std::uint64_t n = 0;
  ok = ok && r.varint(n) && n <= bytes.size();
  for (std::uint64_t i = 0; ok && i < n; ++i) {
    std::uint64_t s = 0;
    ok = r.varint(s);
    q.erase.push_back(s);
  }
  ok = ok && r.varint(n) && n <= bytes.size();
  for (std::uint64_t i = 0; ok && i < n; ++i) {
    std::uint64_t s = 0;
    std::string why;
    ok = r.varint(s) && r.bytes(why);
    q.kept.emplace_back(s, std::move(why));
  }
  ok = ok && time_field(r, q.approved) && r.bytes(q.approved_by) && r.varint(q.approver_uid) &&
       r.varint(q.approve_audit) && r.done();
  if (!ok) return std::nullopt;
  return q;
}

std::optional<RetentionEntry> load_retention(const Txn& txn, const Databases& dbs,
                                             std::uint64_t seq) {
  auto v = txn.get(dbs.retention, keys::seq(seq));
  if (!v) return std::nullopt;
  return decode_retention(*v);
}

void put_retention(Txn& txn, const Databases& dbs, std::uint64_t seq, const RetentionEntry& e) {
  if (auto old = load_retention(txn, dbs, seq); old && old->keep_until != 0) {
    txn.del(dbs.expiry, expiry_key(old->keep_until, seq));
  }
  txn.put(dbs.retention, keys::seq(seq), encode_retention(e));
  if (e.keep_until != 0) txn.put(dbs.expiry, expiry_key(e.keep_until, seq), "");
}

void drop_retention(Txn& txn, const Databases& dbs, std::uint64_t seq) {
  if (auto old = load_retention(txn, dbs, seq); old && old->keep_until != 0) {
    txn.del(dbs.expiry, expiry_key(old->keep_until, seq));
  }
  txn.del(dbs.retention, keys::seq(seq));
  for (const auto& name : pins_of(txn, dbs, seq)) txn.del(dbs.held, pin_key(seq, name));
}

std::vector<std::pair<util::TimeUs, std::uint64_t>> expiring(
    const Txn& txn, const Databases& dbs, util::TimeUs before, std::size_t limit,
    std::optional<std::pair<util::TimeUs, std::uint64_t>> after) {
  std::vector<std::pair<util::TimeUs, std::uint64_t>> out;
  Cursor c(txn, dbs.expiry);
  bool ok = after ? c.seek(expiry_key(after->first, after->second + 1)) : c.first();
  for (; ok && out.size() < limit; ok = c.next()) {
    if (c.key().size() != 16) continue;
    auto t = static_cast<util::TimeUs>(util::get_be64(c.key().substr(0, 8)));
    if (t >= before) break;
    out.emplace_back(t, keys::seq_of_suffix(c.key()));
  }
  return out;
}

std::optional<util::TimeUs> next_expiry(const Txn& txn, const Databases& dbs) {
  Cursor c(txn, dbs.expiry);
  if (!c.first() || c.key().size() != 16) return std::nullopt;
  return static_cast<util::TimeUs>(util::get_be64(c.key().substr(0, 8)));
}

std::optional<Hold> load_hold(const Txn& txn, const Databases& dbs, std::string_view name) {
  auto v = txn.get(dbs.holds, name);
  if (!v) return std::nullopt;
  return decode_hold(*v);
}

void put_hold(Txn& txn, const Databases& dbs, const Hold& h) {
  txn.put(dbs.holds, h.name, encode_hold(h));
}

std::vector<Hold> list_holds(const Txn& txn, const Databases& dbs) {
  std::vector<Hold> out;
  Cursor c(txn, dbs.holds);
  for (bool ok = c.first(); ok; ok = c.next()) {
    if (auto h = decode_hold(c.value())) out.push_back(std::move(*h));
  }
  return out;
}

std::vector<std::string> pins_of(const Txn& txn, const Databases& dbs, std::uint64_t seq) {
  std::vector<std::string> out;
  std::string prefix = keys::seq(seq);
  Cursor c(txn, dbs.held);
  for (bool ok = c.seek(prefix); ok && c.key().substr(0, 8) == prefix; ok = c.next()) {
    out.emplace_back(c.key().substr(8));
  }
  return out;
}

bool pin(Txn& txn, const Databases& dbs, std::uint64_t seq, std::string_view hold) {
  std::string k = pin_key(seq, hold);
  if (txn.get(dbs.held, k)) return false;
  txn.put(dbs.held, k, "");
  return true;
}

std::uint64_t unpin_all(Txn& txn, const Databases& dbs, std::string_view hold) {
  std::vector<std::string> doomed;
  {
    Cursor c(txn, dbs.held);
    for (bool ok = c.first(); ok; ok = c.next()) {
      if (c.key().size() > 8 && c.key().substr(8) == hold) doomed.emplace_back(c.key());
    }
  }
  for (const auto& k : doomed) txn.del(dbs.held, k);
  return doomed.size();
}

std::uint64_t pinned_by(const Txn& txn, const Databases& dbs, std::string_view hold) {
  std::uint64_t n = 0;
  Cursor c(txn, dbs.held);
  for (bool ok = c.first(); ok; ok = c.next()) {
    if (c.key().size() > 8 && c.key().substr(8) == hold) ++n;
  }
  return n;
}

std::uint64_t count_held(const Txn& txn, const Databases& dbs) {
  std::uint64_t n = 0;
  std::string last;
  Cursor c(txn, dbs.held);
  for (bool ok = c.first(); ok; ok = c.next()) {
    std::string_view s = c.key().substr(0, 8);
    if (s != last) {
      ++n;
      last = std::string(s);
    }
  }
  return n;
}

std::optional<ErasureRequest> load_erasure(const Txn& txn, const Databases& dbs, std::uint64_t id) {
  auto v = txn.get(dbs.erasures, keys::seq(id));
  if (!v) return std::nullopt;
  return decode_erasure(*v);
}

void put_erasure(Txn& txn, const Databases& dbs, const ErasureRequest& r) {
  txn.put(dbs.erasures, keys::seq(r.id), encode_erasure(r));
}

std::vector<ErasureRequest> list_erasures(const Txn& txn, const Databases& dbs) {
  std::vector<ErasureRequest> out;
  Cursor c(txn, dbs.erasures);
  for (bool ok = c.first(); ok; ok = c.next()) {
    if (auto r = decode_erasure(c.value())) out.push_back(std::move(*r));
  }
  return out;
}

std::uint64_t next_erasure_id(const Txn& txn, const Databases& dbs) {
  Cursor c(txn, dbs.erasures);
  return c.last() ? keys::seq_of_suffix(c.key()) + 1 : 1;
}

std::uint64_t meta_u64(const Txn& txn, const Databases& dbs, std::string_view key) {
  auto v = txn.get(dbs.meta, key);
  return v && v->size() == 8 ? util::get_be64(*v) : 0;
}

void set_meta_u64(Txn& txn, const Databases& dbs, std::string_view key, std::uint64_t v) {
  std::string b;
  util::put_be64(b, v);
  txn.put(dbs.meta, key, b);
}

}  // namespace postjournal::archive
