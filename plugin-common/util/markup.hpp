// Text of HTML and XML documents (bodies of mail, the XML parts of office documents): character
// data with entities decoded (the XML five, numeric references, and the HTML names mail uses
// most); tags dropped; the end of a block element (paragraph, line break, table cell, list item,
// heading, OOXML/ODF paragraph, run tab, spreadsheet cell) becomes a line break, so words of
// adjacent blocks stay apart while words split across inline runs stay whole. HTML: <script>,
// <style> and comments are skipped. Untrusted input: one linear pass, never throws; output is
// cut at max_bytes (and `cut` set). Thread-safe (pure).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace postjournal::util {

enum class Markup { kHtml, kXml };

std::string markup_text(std::string_view doc, Markup kind, std::uint64_t max_bytes, bool& cut);

// Character references decoded: numeric ones and the named ones listed in markup.cpp; an unknown
// or unterminated reference stays as written. Linear, never throws.
std::string decode_entities(std::string_view text);

// The one HTML escaper of postjournal-web: & < > " ' become character references, so the result
// is safe as element text and as a quoted attribute value. Every untrusted byte that reaches a
// page goes through it.
std::string escape_html(std::string_view text);

// Appends the UTF-8 encoding of code point cp (nothing for surrogates, 0 or > U+10FFFF).
void append_utf8(std::string& out, char32_t cp);

}  // namespace postjournal::util
