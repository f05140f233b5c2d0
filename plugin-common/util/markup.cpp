#include "util/markup.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

namespace postjournal::util {

namespace {

constexpr std::pair<std::string_view, char32_t> kEntities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", 0xA0},    {"copy", 0xA9},     {"reg", 0xAE},     {"euro", 0x20AC},  {"ndash", 0x2013},
    {"mdash", 0x2014}, {"hellip", 0x2026}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"auml", 0xE4},     {"ouml", 0xF6},    {"uuml", 0xFC},    {"Auml", 0xC4},
    {"Ouml", 0xD6},    {"Uuml", 0xDC},     {"szlig", 0xDF},   {"eacute", 0xE9},  {"egrave", 0xE8},
    {"ecirc", 0xEA},   {"aacute", 0xE1},   {"agrave", 0xE0},  {"iacute", 0xED},  {"oacute", 0xF3},
    {"uacute", 0xFA},  {"ccedil", 0xE7},   {"ntilde", 0xF1},  {"Eacute", 0xC9},  {"aring", 0xE5},
    {"oslash", 0xF8},  {"aelig", 0xE6},    {"laquo", 0xAB},   {"raquo", 0xBB},   {"middot", 0xB7},
};

bool decode_entity(std::string_view name, std::string& out) {
  if (name.size() > 1 && name[0] == '#') {
    std::uint32_t cp = 0;
    bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view digits = name.substr(hex ? 2 : 1);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
    if (ec != std::errc() || p != digits.data() + digits.size()) return false;
    append_utf8(out, cp);
    return true;
  }
  for (const auto& [n, cp] : kEntities) {
    if (n == name) {
      append_utf8(out, cp);
      return true;
    }
  }
  return false;
}

std::string lower_name(std::string_view tag) {
  std::string n;
  for (char c : tag) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '>') break;
    n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return n;
}

bool is_block(std::string_view name, Markup kind) {
  auto colon = name.find(':');
  std::string_view local = colon == std::string_view::npos ? name : name.substr(colon + 1);
  static constexpr std::string_view kHtml[] = {
      "p",  "br", "div", "tr",    "td",    "th",         "li",  "h1", "h2", "h3",
      "h4", "h5", "h6",  "table", "title", "blockquote", "pre", "hr", "dd", "dt"};
  static constexpr std::string_view kXml[] = {"p",  "br",         "tab",        "tr",       "td",
                                              "c",  "row",        "si",         "h",        "s",
                                              "cr", "line-break", "table-cell", "list-item"};
  if (kind == Markup::kHtml)
    return std::find(std::begin(kHtml), std::end(kHtml), local) != std::end(kHtml);
  return std::find(std::begin(kXml), std::end(kXml), local) != std::end(kXml);
}

}  // namespace

void append_utf8(std::string& out, char32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string markup_text(std::string_view doc, Markup kind, std::uint64_t max_bytes, bool& cut) {
  std::string out;
  std::size_t i = 0;
  while (i < doc.size()) {
    if (out.size() >= max_bytes) {
      cut = true;
      out.resize(static_cast<std::size_t>(max_bytes));
      break;
    }
    char c = doc[i];
    if (c == '<') {
      if (doc.compare(i, 4, "<!--") == 0) {
        std::size_t end = doc.find("-->", i + 4);
        i = end == std::string_view::npos ? doc.size() : end + 3;
        continue;
      }
      std::size_t end = doc.find('>', i);
      if (end == std::string_view::npos) break;
      std::string_view tag = doc.substr(i + 1, end - i - 1);
      bool closing = !tag.empty() && tag[0] == '/';
      bool empty_element = !tag.empty() && tag.back() == '/';
      std::string name = lower_name(closing ? tag.substr(1) : tag);
      i = end + 1;
      if (kind == Markup::kHtml && !closing && (name == "script" || name == "style")) {
        std::string close = "</" + name;
        std::size_t pos = i;
        for (;;) {  // case-insensitive search for the end tag
          pos = doc.find("</", pos);
          if (pos == std::string_view::npos) break;
          if (lower_name(doc.substr(pos + 2, name.size() + 1)) == name) break;
          pos += 2;
        }
        if (pos == std::string_view::npos) break;
        std::size_t gt = doc.find('>', pos);
        i = gt == std::string_view::npos ? doc.size() : gt + 1;
        continue;
      }
      bool breaks = kind == Markup::kHtml ? is_block(name, kind)
                                          : (closing || empty_element) && is_block(name, kind);
      if (breaks && !out.empty() && out.back() != '\n') out += '\n';
    } else if (c == '&') {
      std::size_t end = doc.find(';', i);
      if (end != std::string_view::npos && end - i <= 12 &&
          decode_entity(doc.substr(i + 1, end - i - 1), out)) {
        i = end + 1;
      } else {
        out += c;
        ++i;
      }
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '&') {
      std::size_t end = text.find(';', i);
      if (end != std::string_view::npos && end - i <= 12 &&
          decode_entity(text.substr(i + 1, end - i - 1), out)) {
        i = end + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace postjournal::util
