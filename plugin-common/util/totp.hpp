// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 6 digits, 30-second
// steps — what every authenticator app accepts from an otpauth:// URI. Secrets are 20 random
// bytes, shown and stored in RFC 4648 base32 without padding. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postjournal::util {

inline constexpr std::int64_t kTotpStep = 30;

std::string base32_encode(std::string_view bytes);
// nullopt for a character outside A-Z2-7 (case-insensitive; spaces and '=' are skipped).
std::optional<std::string> base32_decode(std::string_view text);

// A new secret, base32.
std::string totp_new_secret();
// The code for time step `step` (unix time / 30), zero-padded to `digits`.
std::string totp_code(std::string_view secret_bytes, std::int64_t step, int digits = 6);
// The step, out of now-1 .. now+1 (clock drift), whose code is `code`, if any and if it is later
// than `after` (a code is good once: the caller remembers the last step used). False for a
// secret that is not base32.
std::optional<std::int64_t> totp_match(std::string_view secret_base32, std::string_view code,
                                       std::int64_t unix_time, std::int64_t after);
// otpauth://totp/ISSUER:NAME?secret=S&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
std::string totp_uri(std::string_view issuer, std::string_view name, std::string_view secret);

}  // namespace postjournal::util
