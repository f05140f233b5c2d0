// RFC 3161 stamps of a tenant's chains as the archive keeps them, and the chain facts that an
// evidence bundle needs. A stamp anchors the head of the delivery chain (chain.hpp) and the head
// of the audit chain (audit.hpp) at one moment: the TSA signs SHA-256(anchor_statement(...)), a
// short text naming the tenant, both heads' sequence numbers and links. A stamp at delivery head
// N covers deliveries 1..N: delivery k's chain digest, chained forward with the digests of
// k+1..N, gives link(N) (chain_digests). Stamps are numbered 1, 2, 3 ... in the `stamps` table,
// appended only, never changed; the token is stored exactly as the TSA sent it. Verifying tokens
// needs the TSA's trust anchors and is stamp/'s job; the functions here run in a caller's
// transaction, never trust stored bytes (decode_stamp returns nullopt on anything malformed) and
// throw LmdbError from LMDB.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/chain.hpp"
#include "archive/lmdb_env.hpp"
#include "archive/tenant_id.hpp"
#include "util/time.hpp"

namespace postjournal::archive {

struct StampRecord {
  std::uint64_t seq = 0;       // assigned when appended (the key)
  util::TimeUs requested = 0;  // when the token was asked for (this host's clock)
  util::TimeUs gen_time = 0;   // the token's genTime, as the TSA states it
  ChainHead deliveries;        // delivery chain head stamped (seq 0: empty chain)
  ChainHead audit;             // audit chain head stamped
  std::uint64_t nonce = 0;     // of the request, echoed in the token
  std::string tsa_url;
  std::string token;  // DER TimeStampResp as received
  bool operator==(const StampRecord&) const = default;
};

std::string encode_stamp(const StampRecord& s);  // without seq (the key)
std::optional<StampRecord> decode_stamp(std::string_view bytes);

// The text whose SHA-256 the TSA signs (LF line ends, hex in lower case):
//   postjournal chain anchor 1
//   tenant: acme
//   deliveries: 120 <link(120)>
//   audit: 3 <audit link(3)>
std::string anchor_statement(const TenantId& tenant, const ChainHead& deliveries,
                             const ChainHead& audit);

struct Heads {
  ChainHead deliveries;
  ChainHead audit;
};
Heads read_heads(const Txn& txn, const Databases& dbs);

// Every stamp, in order; one that does not decode is returned with seq set and token empty.
std::vector<StampRecord> read_stamps(const Txn& txn, const Databases& dbs);
// The newest stamp; nullopt when there is none (or it does not decode: read_stamps says which).
std::optional<StampRecord> last_stamp(const Txn& txn, const Databases& dbs);
// Appends `s` (its seq is set) in the caller's write transaction.
void append_stamp(Txn& txn, const Databases& dbs, StampRecord& s);

// The stored link of delivery `seq` (32 zero bytes for seq 0), or of audit entry `seq`.
std::optional<util::Digest> stored_link(const Txn& txn, const Databases& dbs, std::uint64_t seq);
std::optional<util::Digest> stored_audit_link(const Txn& txn, const Databases& dbs,
                                              std::uint64_t seq);

// The chain digest of each delivery from..to (inclusive), in order: of its record and content
// hash, or its tombstone's for a removed one. nullopt when one is missing or does not decode.
std::optional<std::vector<util::Digest>> chain_digests(const Txn& txn, const Databases& dbs,
                                                       const TenantId& tenant, std::uint64_t from,
                                                       std::uint64_t to);

// What shows that delivery `seq` is in the chain up to `to` (seq <= to): its encoded record
// exactly as the chain hashes it, the link before it, and the digests of seq..to; chaining them
// from `previous` gives `head`, the stored link of `to`. nullopt when seq is removed or missing.
struct ChainProof {
  std::string record;
  util::Digest previous{};
  std::vector<util::Digest> digests;
  util::Digest head{};
};
std::optional<ChainProof> chain_proof(const Txn& txn, const Databases& dbs, const TenantId& tenant,
                                      std::uint64_t seq, std::uint64_t to);

}  // namespace postjournal::archive
