#include "util/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include "util/sha256.hpp"

namespace postjournal::util {

namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  char buf[256] = {0};
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return e != 0 ? buf : "unknown OpenSSL error";
}

std::string encode(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = (static_cast<std::uint32_t>(at(i)) << 16) |
                      (static_cast<std::uint32_t>(at(i + 1)) << 8) | at(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += alphabet[(v >> s) & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<std::uint32_t>(at(i)) << 16;
    if (rest == 2) v |= static_cast<std::uint32_t>(at(i + 1)) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out += rest == 2 ? "=" : "==";
  }
  return out;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

std::unique_ptr<BIO, BioFree> memory_bio(std::string_view text) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) throw JwtError("out of memory (BIO)");
  return bio;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  return encode(bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", false);
}

std::string base64(std::string_view bytes) {
  return encode(bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", true);
}

std::string jwt_sign(std::string_view header_json, std::string_view claims_json,
                     std::string_view pem_key, JwtAlg alg) {
  auto bio = memory_bio(pem_key);
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw JwtError("not a PEM private key: " + openssl_error());
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) throw JwtError("the private key is not RSA");
  std::string input = base64url(header_json) + "." + base64url(claims_json);
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1)
    throw JwtError("signing set-up failed: " + openssl_error());
  if (alg == JwtAlg::kPs256 && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1)) {
    throw JwtError("PSS set-up failed: " + openssl_error());
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1)
    throw JwtError("signing failed: " + openssl_error());
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw JwtError("signing failed: " + openssl_error());
  sig.resize(len);
  return input + "." + base64url(sig);
}

std::string certificate_sha256(std::string_view pem_cert) {
  auto bio = memory_bio(pem_cert);
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) throw JwtError("not a PEM certificate: " + openssl_error());
  unsigned char* der = nullptr;
  int len = i2d_X509(cert.get(), &der);
  if (len <= 0) throw JwtError("cannot encode the certificate: " + openssl_error());
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  auto d = sha256(bytes);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace postjournal::util
