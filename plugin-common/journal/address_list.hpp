// Extracts addr-specs from an RFC 5322 address-list header value ("A <a@x>, \"B, C\" <b@y>, c@z",
// groups "team: a@x, b@y;"). Display names, comments and quoting are honoured; a comma inside a
// quoted local part or display name does not split. Untrusted input: linear time, no limits on the
// number of addresses. Thread-safe (pure).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postjournal::journal {

std::vector<std::string> parse_address_list(std::string_view value);

// The single addr-spec of a mailbox ("Name <a@x>" -> "a@x"), or empty when there is none.
std::string parse_mailbox(std::string_view value);

// A Message-ID as "<id>": the first <...> of a header value, or the trimmed text in brackets.
// Empty when the value is empty.
std::string normalise_message_id(std::string_view value);

}  // namespace postjournal::journal
