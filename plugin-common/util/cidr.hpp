// IP addresses and CIDR networks (IPv4 and IPv6), parsed with inet_pton. An IPv4-mapped IPv6
// address (::ffff:192.0.2.1) matches IPv4 networks. Value types; pure; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postjournal::util {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
  static std::optional<IpAddress> parse(std::string_view text);
  std::string str() const;
  bool operator==(const IpAddress&) const = default;
};

struct Cidr {
  IpAddress network;
  unsigned prefix = 0;
  // "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). Host bits must be zero.
  static std::optional<Cidr> parse(std::string_view text);
  bool contains(const IpAddress& ip) const;
  std::string str() const;
  bool operator==(const Cidr&) const = default;
  auto operator<=>(const Cidr& o) const { return str() <=> o.str(); }
};

}  // namespace postjournal::util
