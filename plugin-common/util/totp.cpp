#include "util/totp.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

#include "util/crypto.hpp"
#include "util/strings.hpp"

namespace postjournal::util {

namespace {
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string uri_part(std::string_view s) {
  return percent_encode(s, "@");
}
}  // namespace

std::string base32_encode(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    if (ch == ' ' || ch == '=') continue;
    char c = (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch;
    auto v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

std::string totp_new_secret() {
  std::array<unsigned char, 20> b{};
  random_bytes(b.data(), b.size());
  return base32_encode({reinterpret_cast<const char*>(b.data()), b.size()});
}

std::string totp_code(std::string_view secret_bytes, std::int64_t step, int digits) {
  std::array<unsigned char, 8> counter{};
  auto s = static_cast<std::uint64_t>(step);
  for (int i = 7; i >= 0; --i, s >>= 8) counter[static_cast<std::size_t>(i)] = s & 0xff;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (!HMAC(EVP_sha1(), secret_bytes.data(), static_cast<int>(secret_bytes.size()), counter.data(),
            counter.size(), mac.data(), &len) ||
      len != 20) {
    throw std::runtime_error("HMAC-SHA-1 failed");
  }
  std::size_t off = mac[19] & 0x0f;
  std::uint32_t bin = (static_cast<std::uint32_t>(mac[off] & 0x7f) << 24) |
                      (static_cast<std::uint32_t>(mac[off + 1]) << 16) |
                      (static_cast<std::uint32_t>(mac[off + 2]) << 8) | mac[off + 3];
  std::uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string out = std::to_string(bin % mod);
  return std::string(static_cast<std::size_t>(digits) - out.size(), '0') + out;
}

std::optional<std::int64_t> totp_match(std::string_view secret_base32, std::string_view code,
                                       std::int64_t unix_time, std::int64_t after) {
  auto secret = base32_decode(secret_base32);
  if (!secret || secret->empty() || code.size() != 6) return std::nullopt;
  std::int64_t now = unix_time / kTotpStep;
  for (std::int64_t step = now - 1; step <= now + 1; ++step) {
    if (step > after && equal_constant_time(totp_code(*secret, step), code)) return step;
  }
  return std::nullopt;
}

std::string totp_uri(std::string_view issuer, std::string_view name, std::string_view secret) {
  return "otpauth://totp/" + uri_part(issuer) + ":" + uri_part(name) +
         "?secret=" + std::string(secret) + "&issuer=" + uri_part(issuer) +
         "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace postjournal::util
