#include "util/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

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

}  // namespace postjournal::util
