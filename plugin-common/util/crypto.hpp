// Randomness, authenticated encryption and MACs (OpenSSL): AES-256-GCM with a 96-bit nonce and a
// 128-bit tag appended to the ciphertext, and HMAC-SHA-256. No key management here (archive/
// keys_file.hpp). Thread-safe (no shared state). Errors: a library failure throws
// std::runtime_error; a wrong key, tag or associated data is not an error but a nullopt.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/sha256.hpp"

namespace postjournal::util {

using Key256 = std::array<std::uint8_t, 32>;
inline constexpr std::size_t kGcmNonce = 12;
inline constexpr std::size_t kGcmTag = 16;

// Cryptographically strong random bytes (RAND_bytes).
void random_bytes(void* out, std::size_t n);
Key256 random_key();

inline std::string_view key_bytes(const Key256& k) {
  return {reinterpret_cast<const char*>(k.data()), k.size()};
}

// ciphertext || tag. nonce must be kGcmNonce bytes and never repeat under one key.
std::string gcm_seal(const Key256& key, std::string_view nonce, std::string_view aad,
                     std::string_view plain);
// The plaintext, or nullopt when the tag does not authenticate (wrong key, nonce, associated
// data, or changed bytes).
std::optional<std::string> gcm_open(const Key256& key, std::string_view nonce, std::string_view aad,
                                    std::string_view sealed);

Digest hmac_sha256(std::string_view key, std::string_view data);

// Equality in time that depends on the lengths only (tokens, MACs).
bool equal_constant_time(std::string_view a, std::string_view b);

// Passwords (postjournal-web's local accounts): scrypt (RFC 7914, memory-hard) with a random
// 16-byte salt, N = 2^log_n, r = 8, p = 1 (log_n 15: 32 MiB and about 0.1 s per check), stored as
// "scrypt$LOG_N$8$1$SALT_HEX$HASH_HEX". password_verify is false for a wrong password and for a
// stored value it cannot read (never throws for bad input).
std::string password_hash(std::string_view password, unsigned log_n = 15);
bool password_verify(std::string_view password, std::string_view stored);

}  // namespace postjournal::util
