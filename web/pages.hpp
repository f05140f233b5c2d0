// The HTML of postjournal-web: one layout and the pieces every page shares. Every untrusted value
// goes through util::escape_html (h() below); pages load nothing but /static/style.css and run no
// script. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "access/identity.hpp"
#include "util/markup.hpp"

namespace postjournal::web {

// The one escaper (util::escape_html), short for page code.
inline std::string h(std::string_view s) {
  return util::escape_html(s);
}

// A whole page: title, navigation for `who` (none on the login page), `body` (already HTML) and
// the logout form carrying `csrf`.
std::string page(std::string_view title, const access::Identity* who, std::string_view csrf,
                 std::string_view body);

// An error page: the status line's words and a sentence for the reader; no detail of the cause.
std::string error_page(unsigned status, std::string_view message);

// The style sheet served at /static/style.css.
std::string_view style_sheet();

// Security headers of every HTML page: the policy allows the style sheet, same-origin frames
// (the message HTML), forms to this origin, and nothing else.
inline constexpr std::string_view kPageCsp =
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
// The message HTML shown in the iframe: no script, no fetch of any kind, inline styles only.
inline constexpr std::string_view kMessageCsp =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'; sandbox";

}  // namespace postjournal::web
