// RFC 3161 Time-Stamp Protocol messages (OpenSSL's TS API; no network here: stamp/ sends them).
// A request carries a SHA-256 imprint, a 64-bit nonce and asks for the TSA's certificate in the
// token; a response is checked completely by verify_response: status granted, CMS signature by a
// certificate with the critical timeStamping purpose that chains to the trust anchors in a PEM
// file *at the time the token states* (a TSA certificate expires long before a 10-year retention
// ends), imprint, hash algorithm and nonce. Pure functions over bytes; thread-safe. Errors:
// malformed input is a result (nullopt / a reason), never an exception; a broken library throws
// std::runtime_error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/sha256.hpp"
#include "util/time.hpp"

namespace postjournal::util::tsp {

// A DER TimeStampReq for `imprint` (SHA-256), with `nonce`, certReq true, and the policy OID when
// not empty. Throws std::invalid_argument on a malformed policy OID.
std::string make_request(const Digest& imprint, std::uint64_t nonce, std::string_view policy_oid);

// What a TimeStampResp says, without any check of its signature.
struct TokenInfo {
  bool granted = false;     // PKIStatus granted or grantedWithMods
  std::string status_text;  // "granted", or "rejection: <text> <failure info>"
  TimeUs gen_time = 0;      // genTime, to the second
  std::string gen_time_text;
  std::string hash_algorithm;  // "sha256"
  Digest imprint{};            // when the hash algorithm is SHA-256
  std::optional<std::uint64_t> nonce;
  std::string serial;  // hex
  std::string policy;  // dotted OID
  std::string tsa_name;
};

// nullopt (and `why`) when `der` is not a TimeStampResp; a response without a token (refused)
// parses with granted false.
std::optional<TokenInfo> parse_response(std::string_view der, std::string& why);

// "" when the response is a granted token over `imprint` with `nonce`, signed by a TSA whose
// certificate chains to a trust anchor of `ca_file` (PEM) and was valid at the token's genTime;
// otherwise why not, in one line (OpenSSL's reason included).
std::string verify_response(std::string_view der, const Digest& imprint, std::uint64_t nonce,
                            const std::string& ca_file);

// The certificates the token carries (the TSA's first when present), as PEM; "" when none.
std::string token_certificates_pem(std::string_view der);

// SHA-256 fingerprint of the first certificate of a PEM file ("AB:CD:..."); "" when none.
std::string pem_fingerprint(std::string_view pem);

}  // namespace postjournal::util::tsp
