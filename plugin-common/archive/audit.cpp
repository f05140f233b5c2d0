#include "archive/audit.hpp"

#include <algorithm>

#include "archive/chain.hpp"
#include "util/bytes.hpp"

namespace postjournal::archive {

namespace {

constexpr std::string_view kAuditMagic = "PJAU1";
constexpr std::string_view kTombMagic = "PJTS1";

}  // namespace

std::string encode_audit(const AuditEntry& e) {
  std::string out(kAuditMagic);
  util::put_varint(out, static_cast<std::uint64_t>(e.time < 0 ? 0 : e.time));
  for (const std::string* s : {&e.user, &e.action, &e.delivery, &e.moved_to}) {
    util::put_bytes(out, *s);
  }
  out.append(util::as_bytes(e.content_sha256));
  util::put_bytes(out, e.reason);
  if (!e.detail.empty()) util::put_bytes(out, e.detail);
  return out;
}

std::optional<AuditEntry> decode_audit(std::string_view bytes) {
  if (bytes.substr(0, kAuditMagic.size()) != kAuditMagic) return std::nullopt;
  util::ByteReader r(bytes.substr(kAuditMagic.size()));
  AuditEntry e;
  std::uint64_t t = 0;
  bool ok = r.varint(t) && t <= static_cast<std::uint64_t>(INT64_MAX);
  e.time = static_cast<util::TimeUs>(t);
  for (std::string* s : {&e.user, &e.action, &e.delivery, &e.moved_to}) ok = ok && r.bytes(*s);
  ok = ok && util::read_digest(r, e.content_sha256) && r.bytes(e.reason);
  if (ok && !r.done()) ok = r.bytes(e.detail) && !e.detail.empty();
  ok = ok && r.done();
  if (!ok) return std::nullopt;
  return e;
}

util::Digest audit_link(const util::Digest& previous, std::string_view encoded_entry) {
  return chain_link(previous, util::sha256(encoded_entry));
}

std::string encode_tombstone(const Tombstone& t) {
  std::string out(kTombMagic);
  out.append(util::as_bytes(t.chain_digest));
  util::put_varint(out, t.audit_seq);
  return out;
}

std::optional<Tombstone> decode_tombstone(std::string_view bytes) {
  if (bytes.substr(0, kTombMagic.size()) != kTombMagic) return std::nullopt;
  util::ByteReader r(bytes.substr(kTombMagic.size()));
  Tombstone t;
  if (!util::read_digest(r, t.chain_digest) || !r.varint(t.audit_seq) || !r.done())
    return std::nullopt;
  return t;
}

}  // namespace postjournal::archive
