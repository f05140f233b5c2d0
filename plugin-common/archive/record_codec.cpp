#include "archive/record_codec.hpp"

#include "util/bytes.hpp"

namespace postjournal::archive {

namespace {

constexpr std::string_view kMagic = "PJDR";

void put_list(std::string& out, const std::vector<std::string>& v) {
  util::put_varint(out, v.size());
  for (const auto& s : v) util::put_bytes(out, s);
}

bool get_list(util::ByteReader& r, std::vector<std::string>& v) {
  std::uint64_t n = 0;
  if (!r.varint(n)) return false;
  v.clear();
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string s;
    if (!r.bytes(s)) return false;
    v.push_back(std::move(s));
  }
  return true;
}

}  // namespace

std::string encode_delivery(const Delivery& d) {
  std::string out(kMagic);
  out.push_back(static_cast<char>(kRecordVersion >> 8));
  out.push_back(static_cast<char>(kRecordVersion & 0xFF));
  util::put_varint(out, static_cast<std::uint64_t>(d.transport.received));
  for (const std::string* s :
       {&d.transport.source, &d.transport.client_ip, &d.transport.helo, &d.transport.tls_version,
        &d.transport.tls_cipher, &d.transport.sasl_login, &d.transport.spf_result,
        &d.transport.queue_id, &d.transport.mail_from}) {
    util::put_bytes(out, *s);
  }
  put_list(out, d.transport.rcpt_to);
  const auto& e = d.envelope;
  util::put_bytes(out, e.format);
  util::put_varint(out, (e.wrapped_in_ndr ? 1u : 0u) | (e.decrypted_copy ? 2u : 0u) |
                            (e.has_original ? 4u : 0u));
  for (const std::string* s : {&e.sender, &e.on_behalf_of, &e.subject, &e.message_id}) {
    util::put_bytes(out, *s);
  }
  util::put_varint(out, e.recipients.size());
  for (const auto& r : e.recipients) {
    util::put_bytes(out, r.address);
    util::put_varint(out, static_cast<std::uint64_t>(r.kind));
    util::put_bytes(out, r.expanded_from);
    util::put_bytes(out, r.forwarded_from);
  }
  util::put_varint(out, e.original_offset);
  util::put_varint(out, e.original_size);
  put_list(out, e.anomalies);
  put_list(out, d.anomalies);
  util::put_bytes(out, util::as_bytes(d.content_sha256));
  util::put_varint(out, d.size);
  util::put_bytes(out, util::as_bytes(d.original_sha256));
  for (const std::string* s : {&d.transport.fetch_server, &d.transport.fetch_protocol,
                               &d.transport.fetch_uid, &d.transport.tls_peer}) {
    util::put_bytes(out, *s);
  }
  util::put_bytes(out, d.assigned_from);
  for (const std::string* s :
       {&d.transport.fetch_mailbox, &d.transport.fetch_folder, &d.transport.fidelity}) {
    util::put_bytes(out, *s);
  }
  return out;
}

std::string decode_delivery(std::string_view bytes, Delivery& out) {
  if (bytes.size() < kMagic.size() + 2 || bytes.substr(0, kMagic.size()) != kMagic) {
    return "not a delivery record (bad magic)";
  }
  auto version = static_cast<std::uint16_t>((static_cast<unsigned char>(bytes[4]) << 8) |
                                            static_cast<unsigned char>(bytes[5]));
  if (version > kRecordVersion) {
    return "delivery record format version " + std::to_string(version) +
           " is newer than this program understands (" + std::to_string(kRecordVersion) +
           "); upgrade postjournal";
  }
  if (version == 0) return "delivery record format version 0 is invalid";
  util::ByteReader r(bytes.substr(6));
  Delivery d;
  std::uint64_t v = 0;
  bool ok = r.varint(v);
  d.transport.received = static_cast<util::TimeUs>(v);
  for (std::string* s : {&d.transport.source, &d.transport.client_ip, &d.transport.helo,
                         &d.transport.tls_version, &d.transport.tls_cipher, &d.transport.sasl_login,
                         &d.transport.spf_result, &d.transport.queue_id, &d.transport.mail_from}) {
    ok = ok && r.bytes(*s);
  }
  ok = ok && get_list(r, d.transport.rcpt_to);
  auto& e = d.envelope;
  ok = ok && r.bytes(e.format) && r.varint(v);
  e.wrapped_in_ndr = (v & 1u) != 0;
  e.decrypted_copy = (v & 2u) != 0;
  e.has_original = (v & 4u) != 0;
  for (std::string* s : {&e.sender, &e.on_behalf_of, &e.subject, &e.message_id}) {
    ok = ok && r.bytes(*s);
  }
  std::uint64_t n = 0;
  ok = ok && r.varint(n);
  for (std::uint64_t i = 0; ok && i < n; ++i) {
    journal::Recipient rc;
    std::uint64_t kind = 0;
    ok = r.bytes(rc.address) && r.varint(kind) && kind <= 5 && r.bytes(rc.expanded_from) &&
         r.bytes(rc.forwarded_from);
    rc.kind = static_cast<journal::RecipientKind>(kind);
    e.recipients.push_back(std::move(rc));
  }
  ok = ok && r.varint(e.original_offset) && r.varint(e.original_size);
  ok = ok && get_list(r, e.anomalies) && get_list(r, d.anomalies);
  std::string sha;
  std::string original_sha;
  ok = ok && r.bytes(sha) && sha.size() == d.content_sha256.size() && r.varint(d.size) &&
       r.bytes(original_sha) && original_sha.size() == d.original_sha256.size();
  if (version >= 2) {
    for (std::string* s : {&d.transport.fetch_server, &d.transport.fetch_protocol,
                           &d.transport.fetch_uid, &d.transport.tls_peer}) {
      ok = ok && r.bytes(*s);
    }
  }
  if (version >= 3) ok = ok && r.bytes(d.assigned_from);
  if (version >= 4) {
    for (std::string* s :
         {&d.transport.fetch_mailbox, &d.transport.fetch_folder, &d.transport.fidelity}) {
      ok = ok && r.bytes(*s);
    }
  }
  if (!ok || !r.done()) return "delivery record is truncated or corrupt";
  std::copy(sha.begin(), sha.end(), reinterpret_cast<char*>(d.content_sha256.data()));
  std::copy(original_sha.begin(), original_sha.end(),
            reinterpret_cast<char*>(d.original_sha256.data()));
  out = std::move(d);
  return {};
}

}  // namespace postjournal::archive
