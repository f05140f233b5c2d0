#include "journal/envelope.hpp"

#include <array>

namespace postjournal::journal {

namespace {
constexpr std::array<std::string_view, 6> kKindNames = {"to",        "cc",       "bcc",
                                                        "recipient", "envelope", "header"};
}

std::string_view to_string(RecipientKind k) {
  return kKindNames.at(static_cast<std::size_t>(k));
}

bool parse_recipient_kind(std::string_view text, RecipientKind& out) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == text) {
      out = static_cast<RecipientKind>(i);
      return true;
    }
  }
  return false;
}

}  // namespace postjournal::journal
