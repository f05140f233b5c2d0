#include "view/sanitize.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "util/markup.hpp"

namespace postjournal::view {

namespace {

bool in(std::string_view name, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

bool kept_element(std::string_view n) {
  return in(n, {"p",     "br",   "div",        "span", "b",      "i",     "u",      "strong",
                "em",    "a",    "ul",         "ol",   "li",     "table", "thead",  "tbody",
                "tfoot", "tr",   "td",         "th",   "h1",     "h2",    "h3",     "h4",
                "h5",    "h6",   "blockquote", "pre",  "code",   "hr",    "small",  "big",
                "sub",   "sup",  "caption",    "dl",   "dt",     "dd",    "s",      "strike",
                "tt",    "abbr", "cite",       "q",    "center", "font",  "address"});
}

bool void_element(std::string_view n) {
  return in(n, {"br", "hr"});
}

// Elements whose content is dropped too.
bool dropped_with_content(std::string_view n) {
  return in(n,
            {"script", "style",  "head",     "title",    "iframe",    "frame", "frameset", "object",
             "embed",  "applet", "noscript", "template", "svg",       "math",  "textarea", "select",
             "option", "xml",    "noembed",  "noframes", "plaintext", "xmp"});
}

bool kept_attribute(std::string_view element, std::string_view a) {
  if (a == "href") return element == "a";
  return in(a, {"title", "colspan", "rowspan", "align", "valign", "dir", "lang"});
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool safe_link(std::string_view decoded) {
  std::string compact;
  for (char c : decoded) {
    if (static_cast<unsigned char>(c) > 0x20) compact += c;  // browsers ignore these in schemes
  }
  std::string l = lower(compact);
  return l.rfind("http://", 0) == 0 || l.rfind("https://", 0) == 0 || l.rfind("mailto:", 0) == 0;
}

struct Attr {
  std::string name;
  std::string value;  // decoded
};

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':';
}

// Parses the inside of a start tag after its name.
std::vector<Attr> parse_attributes(std::string_view s) {
  std::vector<Attr> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (std::isspace(static_cast<unsigned char>(s[i])) || s[i] == '/')) ++i;
    std::size_t n0 = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '=' &&
           s[i] != '/')
      ++i;
    if (i == n0) {
      ++i;
      continue;
    }
    Attr a{lower(s.substr(n0, i - n0)), {}};
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i < s.size() && s[i] == '=') {
      ++i;
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
        char q = s[i++];
        std::size_t v0 = i;
        while (i < s.size() && s[i] != q) ++i;
        a.value = util::decode_entities(s.substr(v0, i - v0));
        if (i < s.size()) ++i;
      } else {
        std::size_t v0 = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        a.value = util::decode_entities(s.substr(v0, i - v0));
      }
    }
    if (out.size() < 64) out.push_back(std::move(a));
  }
  return out;
}

// The end of the tag that starts at `lt`, respecting quoted attribute values; npos when none.
std::size_t tag_end(std::string_view html, std::size_t lt) {
  char quote = 0;
  for (std::size_t i = lt + 1; i < html.size(); ++i) {
    char c = html[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      // Only a quote that opens an attribute value (after '=') starts a quoted run.
      std::size_t j = i;
      while (j > lt && std::isspace(static_cast<unsigned char>(html[j - 1]))) --j;
      if (j > lt && html[j - 1] == '=') quote = c;
    } else if (c == '>') {
      return i;
    }
  }
  return std::string_view::npos;
}

// Position after the end tag of `name` (case-insensitive), searching from `from`; size() if none.
std::size_t skip_past_end_tag(std::string_view html, std::size_t from, const std::string& name) {
  std::size_t pos = from;
  while ((pos = html.find("</", pos)) != std::string_view::npos) {
    std::size_t k = pos + 2, n = 0;
    while (n < name.size() && k + n < html.size() &&
           std::tolower(static_cast<unsigned char>(html[k + n])) == name[n])
      ++n;
    if (n == name.size() && (k + n >= html.size() || !name_char(html[k + n]))) {
      std::size_t gt = html.find('>', k + n);
      return gt == std::string_view::npos ? html.size() : gt + 1;
    }
    pos += 2;
  }
  return html.size();
}

}  // namespace

std::string sanitize_html(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  std::vector<std::string> open;  // kept elements not closed yet
  std::size_t i = 0;
  while (i < html.size()) {
    char c = html[i];
    if (c != '<') {
      std::size_t next = html.find('<', i);
      if (next == std::string_view::npos) next = html.size();
      out += util::escape_html(util::decode_entities(html.substr(i, next - i)));
      i = next;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      std::size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    std::size_t k = i + 1;
    bool closing = k < html.size() && html[k] == '/';
    if (closing) ++k;
    std::size_t n0 = k;
    while (k < html.size() && name_char(html[k])) ++k;
    if (k == n0 || !std::isalpha(static_cast<unsigned char>(html[n0]))) {
      // "<!DOCTYPE", "<?xml", "a < b": a declaration is dropped, a lone '<' is text.
      if (html.compare(i, 2, "<!") == 0 || html.compare(i, 2, "<?") == 0) {
        std::size_t gt = html.find('>', i);
        i = gt == std::string_view::npos ? html.size() : gt + 1;
      } else {
        out += "&lt;";
        ++i;
      }
      continue;
    }
    std::string name = lower(html.substr(n0, k - n0));
    std::size_t gt = tag_end(html, i);
    if (gt == std::string_view::npos) break;  // an unterminated tag ends the document
    std::string_view inner = html.substr(k, gt - k);
    i = gt + 1;
    if (closing) {
      auto it = std::find(open.rbegin(), open.rend(), name);
      if (it == open.rend()) continue;
      while (!open.empty()) {  // close everything opened inside it, then it
        std::string top = open.back();
        open.pop_back();
        out += "</" + top + ">";
        if (top == name) break;
      }
      continue;
    }
    if (dropped_with_content(name)) {
      bool self_closed = !inner.empty() && inner.back() == '/';
      if (!self_closed) i = skip_past_end_tag(html, i, name);
      continue;
    }
    if (name == "img") {
      for (const auto& a : parse_attributes(inner)) {
        if (a.name == "alt" && !a.value.empty()) out += "[" + util::escape_html(a.value) + "]";
      }
      continue;
    }
    if (!kept_element(name)) continue;
    out += "<" + name;
    for (const auto& a : parse_attributes(inner)) {
      if (!kept_attribute(name, a.name)) continue;
      if (a.name == "href" && !safe_link(a.value)) continue;
      out += " " + a.name + "=\"" + util::escape_html(a.value) + "\"";
    }
    if (name == "a") out += " rel=\"noopener noreferrer\" target=\"_blank\"";
    out += ">";
    if (!void_element(name)) {
      if (open.size() >= 256) {  // nesting bounded: the element is closed at once
        out += "</" + name + ">";
      } else {
        open.push_back(name);
      }
    }
  }
  while (!open.empty()) {
    out += "</" + open.back() + ">";
    open.pop_back();
  }
  return out;
}

}  // namespace postjournal::view
