// SHA-256 over byte ranges (OpenSSL EVP), incremental or one-shot.
// Thread-safe per object (one Sha256 per thread). Errors: OpenSSL failures throw
// std::runtime_error; they indicate a broken library, not bad input.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace postjournal::util {

using Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::string_view bytes);
  // Returns the digest; the object must not be updated afterwards.
  Digest finish();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

Digest sha256(std::string_view bytes);

// Lower-case hex of a digest and back; from_hex returns false on bad input.
std::string to_hex(const Digest& d);
std::string to_hex(std::string_view bytes);
bool digest_from_hex(std::string_view hex, Digest& out);
inline std::string_view as_bytes(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace postjournal::util
