// The evidence bundle of one delivery (`postjournal export ID --evidence -o OUT`): everything a
// third party needs to check, with coreutils and openssl alone, that these exact bytes were in
// the tenant's archive no later than a trusted time. Files:
//   message.eml    the exact stored bytes (their SHA-256 is the one recorded at receipt)
//   record.bin     the delivery record exactly as the chain hashes it; record.json for people
//   chain.txt      the link before the delivery, the chain digests of the delivery and of each
//                  later delivery up to the stamped head, and that head's link
//   anchor.txt     the statement the TSA signed (archive/stamps.hpp)
//   timestamp.tsr  the TSA's RFC 3161 response, as received
//   tsa-certs.pem  the certificates inside the token; tsa-ca.pem the trust anchors used
//   VERIFY.txt     what was checked and the exact commands; SHA256SUMS of every other file
// The stamp used is the first valid one (check.hpp) whose head is at or after the delivery.
// Other deliveries appear only as 32-byte chain digests, which reveal nothing of them.
// OUT ending in ".zip" is a zip of stored entries (util/zip_writer.hpp), anything else a new
// directory; either appears complete or not at all (the directory's files are each written
// atomically and the directory is renamed into place). Memory stays bounded: the message is
// streamed. Errors: EvidenceError (removed or unknown delivery, no valid stamp covering it yet),
// std::system_error when OUT cannot be written, and what the archive throws.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "archive/tenant_archive.hpp"

namespace postjournal::stamp {

class EvidenceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct BundleSummary {
  std::uint64_t stamp = 0;        // the stamp used
  std::uint64_t head = 0;         // the delivery head it stamped
  util::TimeUs tsa_time = 0;      // its genTime
  std::uint64_t chain_steps = 0;  // digests in chain.txt
  util::Digest sha256{};          // of message.eml
};

BundleSummary write_bundle(const archive::TenantArchive& a, std::uint64_t seq,
                           const std::string& ca_file, const std::string& record_json,
                           const std::string& out);

}  // namespace postjournal::stamp
