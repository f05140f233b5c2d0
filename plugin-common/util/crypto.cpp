#include "util/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace postjournal::util {

namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx gcm_ctx(const Key256& key, std::string_view nonce, bool encrypt) {
  if (nonce.size() != kGcmNonce) throw std::runtime_error("aes-256-gcm: nonce must be 12 bytes");
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
  int ok = ctx ? EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), iv,
                                   encrypt ? 1 : 0)
               : 0;
  if (ok != 1) throw std::runtime_error("aes-256-gcm: EVP_CipherInit_ex failed");
  return ctx;
}

void add_aad(EVP_CIPHER_CTX* ctx, std::string_view aad) {
  int len = 0;
  if (!aad.empty() &&
      EVP_CipherUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                       static_cast<int>(aad.size())) != 1) {
    throw std::runtime_error("aes-256-gcm: associated data rejected");
  }
}

}  // namespace

void random_bytes(void* out, std::size_t n) {
  if (RAND_bytes(static_cast<unsigned char*>(out), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed: no randomness available");
  }
}

Key256 random_key() {
  Key256 k{};
  random_bytes(k.data(), k.size());
  return k;
}

std::string gcm_seal(const Key256& key, std::string_view nonce, std::string_view aad,
                     std::string_view plain) {
  CipherCtx ctx = gcm_ctx(key, nonce, true);
  add_aad(ctx.get(), aad);
  std::string out(plain.size() + kGcmTag, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0, fin = 0;
  if ((!plain.empty() &&
       EVP_EncryptUpdate(ctx.get(), o, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                         static_cast<int>(plain.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), o + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTag),
                          o + plain.size()) != 1) {
    throw std::runtime_error("aes-256-gcm: encryption failed");
  }
  return out;
}

std::optional<std::string> gcm_open(const Key256& key, std::string_view nonce, std::string_view aad,
                                    std::string_view sealed) {
  if (sealed.size() < kGcmTag) return std::nullopt;
  std::size_t n = sealed.size() - kGcmTag;
  CipherCtx ctx = gcm_ctx(key, nonce, false);
  add_aad(ctx.get(), aad);
  std::string out(n, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0, fin = 0;
  if (n > 0 &&
      EVP_DecryptUpdate(ctx.get(), o, &len, reinterpret_cast<const unsigned char*>(sealed.data()),
                        static_cast<int>(n)) != 1) {
    return std::nullopt;
  }
  std::string tag(sealed.substr(n));
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTag), tag.data()) !=
          1 ||
      EVP_DecryptFinal_ex(ctx.get(), o + len, &fin) != 1) {
    return std::nullopt;
  }
  return out;
}

Digest hmac_sha256(std::string_view key, std::string_view data) {
  Digest d{};
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data(), &len) ||
      len != d.size()) {
    throw std::runtime_error("HMAC-SHA-256 failed");
  }
  return d;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

constexpr std::size_t kScryptOut = 32;

std::optional<std::string> scrypt(std::string_view password, std::string_view salt, unsigned log_n,
                                  unsigned r, unsigned p) {
  if (log_n < 10 || log_n > 20 || r != 8 || p != 1) return std::nullopt;
  std::string out(kScryptOut, '\0');
  std::uint64_t n = 1ull << log_n;
  std::uint64_t maxmem = 256ull * r * n + (1ull << 20);  // 128*r*N plus room, as OpenSSL counts
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n, r, p,
                     maxmem, reinterpret_cast<unsigned char*>(out.data()), out.size()) != 1) {
    throw std::runtime_error("scrypt failed");
  }
  return out;
}

std::string from_hex_or_empty(std::string_view hex) {
  std::string out;
  if (hex.size() % 2 != 0) return {};
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nib(hex[i]), lo = nib(hex[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

}  // namespace

std::string password_hash(std::string_view password, unsigned log_n) {
  std::string salt(16, '\0');
  random_bytes(salt.data(), salt.size());
  auto h = scrypt(password, salt, log_n, 8, 1);
  if (!h) throw std::invalid_argument("scrypt cost out of range");
  return "scrypt$" + std::to_string(log_n) + "$8$1$" + to_hex(salt) + "$" + to_hex(*h);
}

bool password_verify(std::string_view password, std::string_view stored) {
  std::vector<std::string_view> f;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= stored.size(); ++i) {
    if (i == stored.size() || stored[i] == '$') {
      f.push_back(stored.substr(start, i - start));
      start = i + 1;
    }
  }
  if (f.size() != 6 || f[0] != "scrypt" || f[1].size() > 2 || f[2] != "8" || f[3] != "1")
    return false;
  unsigned log_n = 0;
  for (char c : f[1]) {
    if (c < '0' || c > '9') return false;
    log_n = log_n * 10 + static_cast<unsigned>(c - '0');
  }
  std::string salt = from_hex_or_empty(f[4]);
  std::string want = from_hex_or_empty(f[5]);
  if (salt.empty() || want.size() != kScryptOut) return false;
  auto got = scrypt(password, salt, log_n, 8, 1);
  return got && equal_constant_time(*got, want);
}

}  // namespace postjournal::util
