// The signing half of JSON Web Tokens (RFC 7515/7519) for OAuth2 client assertions and JWT
// bearer grants: base64url, RS256 (RSASSA-PKCS1-v1_5 / SHA-256) and PS256 (RSASSA-PSS / SHA-256,
// salt 32) signatures with a PEM private key, and the SHA-256 thumbprint of a PEM certificate
// (the x5t#S256 header Microsoft's identity platform matches against the app's certificates).
// Callers build the header and claims JSON themselves. Errors: JwtError naming the file and what
// OpenSSL said. Thread-safe.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace postjournal::util {

struct JwtError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// RFC 4648 section 5 without padding.
std::string base64url(std::string_view bytes);
// Plain base64 (RFC 4648 section 4, padded): SASL XOAUTH2 strings.
std::string base64(std::string_view bytes);

enum class JwtAlg { kRs256, kPs256 };

// "<base64url(header)>.<base64url(claims)>.<base64url(signature)>" with the key in `pem_key`
// (the text of a PEM private key, RSA).
std::string jwt_sign(std::string_view header_json, std::string_view claims_json,
                     std::string_view pem_key, JwtAlg alg);
// The SHA-256 of the DER encoding of the (first) certificate in `pem_cert`, raw bytes.
std::string certificate_sha256(std::string_view pem_cert);

}  // namespace postjournal::util
