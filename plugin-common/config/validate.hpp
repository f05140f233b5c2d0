// Checks across fields of a loaded configuration: each listener has what its method needs and
// nothing it would ignore, source names are unique, no two active or inactive listeners share
// the same authentication settings, mailboxes have exactly one password source. Internal to
// config/. Returns "LINE: message" for the first problem, or "" when the configuration is sound.
#pragma once

#include <string>

#include "config/config.hpp"

namespace postjournal::config {

std::string validate(const Config& c);

// The identity of a listener's authentication settings (method, networks, domain, username,
// recipient): two listeners with the same key could never be told apart.
std::string auth_key(const Listener& l);

}  // namespace postjournal::config
