#include "util/cidr.hpp"

#include <arpa/inet.h>

#include "util/strings.hpp"

namespace postjournal::util {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string t(trim(text));
  if (t.size() > 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
  if (starts_with_icase(t, "ipv6:")) t = t.substr(5);
  IpAddress ip;
  if (inet_pton(AF_INET, t.c_str(), ip.bytes.data()) == 1) return ip;
  if (inet_pton(AF_INET6, t.c_str(), ip.bytes.data()) == 1) {
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::equal(kMapped, kMapped + 12, ip.bytes.begin())) {  // ::ffff:a.b.c.d -> IPv4
      IpAddress v4;
      std::copy(ip.bytes.begin() + 12, ip.bytes.end(), v4.bytes.begin());
      return v4;
    }
    ip.v6 = true;
    return ip;
  }
  return std::nullopt;
}

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  text = trim(text);
  auto slash = text.find('/');
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  unsigned max = ip->v6 ? 128 : 32;
  unsigned long long prefix = max;
  if (slash != std::string_view::npos &&
      (!parse_u64(text.substr(slash + 1), prefix) || prefix > max)) {
    return std::nullopt;
  }
  Cidr c{*ip, static_cast<unsigned>(prefix)};
  for (unsigned bit = c.prefix; bit < max; ++bit) {  // host bits must be zero
    if (c.network.bytes[bit / 8] & (0x80u >> (bit % 8))) return std::nullopt;
  }
  return c;
}

bool Cidr::contains(const IpAddress& ip) const {
  if (ip.v6 != network.v6) return false;
  for (unsigned bit = 0; bit < prefix; ++bit) {
    unsigned mask = 0x80u >> (bit % 8);
    if ((ip.bytes[bit / 8] & mask) != (network.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

std::string Cidr::str() const {
  return network.str() + "/" + std::to_string(prefix);
}

}  // namespace postjournal::util
