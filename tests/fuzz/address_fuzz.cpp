// libFuzzer target: the address-list and Exchange recipient-line parsers on arbitrary text.
// Invariants: no crash; every address returned is a substring-free copy (non-empty).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "journal/address_list.hpp"
#include "journal/exchange_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (const auto& a : postjournal::journal::parse_address_list(in)) {
    if (a.empty()) std::abort();
  }
  (void)postjournal::journal::normalise_message_id(in);
  auto body = postjournal::journal::parse_exchange_body(in);
  if (!body.parsed && !body.recipients.empty()) std::abort();  // never trust an unread body
  return 0;
}
