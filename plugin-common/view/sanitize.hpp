// HTML of a message made safe to show (postjournal-web serves it inside a sandboxed iframe
// without scripts, under a Content-Security-Policy that loads nothing; this is the layer under
// those two). What survives: the text and a fixed set of layout elements (paragraphs, lists,
// tables, headings, emphasis, links) with a fixed set of attributes. Dropped with their content:
// script, style, head, title, iframe, frame(set), object, embed, applet, noscript, template,
// svg, math, textarea, select, option, xml. Dropped, content kept: every other element (forms,
// fonts, unknown tags). Never kept: event handlers, style and class attributes, any URL but an
// http:, https: or mailto: link target (checked after character references are decoded and
// blanks removed), images (replaced by their alt text in brackets) — so nothing is ever fetched.
// Output is well formed: every element kept is closed, text and attribute values are escaped by
// util::escape_html. Untrusted input: linear in the input, never throws. Thread-safe (pure).
#pragma once

#include <string>
#include <string_view>

namespace postjournal::view {

std::string sanitize_html(std::string_view html);

}  // namespace postjournal::view
