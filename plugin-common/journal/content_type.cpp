#include "journal/content_type.hpp"

#include <algorithm>

#include "journal/decode.hpp"
#include "journal/header_block.hpp"

#include <map>

#include "util/strings.hpp"

namespace postjournal::journal {

namespace {

bool is_token_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 &&
         std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

void skip_space_and_comments(std::string_view s, std::size_t& i) {
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (depth > 0) {
      if (c == '\\' && i + 1 < s.size()) {
        ++i;  // the escaped character
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        --depth;
      }
      ++i;
    } else if (c == '(') {
      depth = 1;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else {
      return;
    }
  }
}

std::string token(std::string_view s, std::size_t& i) {
  std::size_t b = i;
  while (i < s.size() && is_token_char(s[i])) ++i;
  return std::string(s.substr(b, i - b));
}

std::string value(std::string_view s, std::size_t& i) {
  if (i < s.size() && s[i] == '"') {
    std::string out;
    for (++i; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      out.push_back(s[i]);
    }
    if (i < s.size()) ++i;  // closing quote
    return out;
  }
  std::size_t b = i;
  while (i < s.size() && s[i] != ';' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
         s[i] != '\n') {
    ++i;
  }
  return std::string(s.substr(b, i - b));
}

// RFC 2231 extended value "charset'lang'%XX..." -> bytes (charset is not converted here).
std::string percent_decode(std::string_view v) {
  auto q1 = v.find('\'');
  auto q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 != std::string_view::npos) v = v.substr(q2 + 1);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (v[i] == '%' && i + 2 < v.size() + 0 && hex(v[i + 1]) >= 0 && hex(v[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(v[i + 1]) * 16 + hex(v[i + 2])));
      i += 2;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

}  // namespace

namespace {

std::string find_param(const std::vector<std::pair<std::string, std::string>>& params,
                       std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

std::string ContentType::param(std::string_view name) const {
  return find_param(params, name);
}

ContentType parse_content_type(std::string_view s) {
  ContentType ct;
  std::size_t i = 0;
  skip_space_and_comments(s, i);
  std::string type = util::to_lower_ascii(token(s, i));
  skip_space_and_comments(s, i);
  if (type.empty() || i >= s.size() || s[i] != '/') return ct;
  ++i;
  skip_space_and_comments(s, i);
  std::string subtype = util::to_lower_ascii(token(s, i));
  if (subtype.empty()) return ct;
  ct.type = std::move(type);
  ct.subtype = std::move(subtype);
  // name -> (section -> value); RFC 2231 continuations are joined in section order.
  std::map<std::string, std::map<unsigned long long, std::string>> sections;
  std::vector<std::string> order;
  while (i < s.size()) {
    skip_space_and_comments(s, i);
    if (i >= s.size()) break;
    if (s[i] != ';') {
      ++i;  // junk between parameters: skip a byte and resynchronise
      continue;
    }
    ++i;
    skip_space_and_comments(s, i);
    std::string name = util::to_lower_ascii(token(s, i));
    skip_space_and_comments(s, i);
    if (name.empty() || i >= s.size() || s[i] != '=') continue;
    ++i;
    skip_space_and_comments(s, i);
    std::string v = value(s, i);
    bool extended = !name.empty() && name.back() == '*';
    if (extended) {
      name.pop_back();
      v = percent_decode(v);
    }
    unsigned long long section = 0;
    if (auto star = name.find('*'); star != std::string::npos) {
      if (!util::parse_u64(name.substr(star + 1), section)) section = 0;
      name.resize(star);
    }
    if (!sections.count(name)) order.push_back(name);
    sections[name].emplace(section, std::move(v));
  }
  for (const auto& name : order) {
    std::string joined;
    for (const auto& [n, part] : sections[name]) joined += part;
    ct.params.emplace_back(name, std::move(joined));
  }
  return ct;
}

Disposition parse_disposition(std::string_view value) {
  // The same grammar as a Content-Type after its "type/subtype": parse it as one whose subtype
  // is the disposition.
  ContentType ct = parse_content_type("disposition/" + std::string(value));
  Disposition d;
  if (ct.type == "disposition") {
    d.kind = ct.subtype;
    d.params = std::move(ct.params);
  }
  return d;
}

std::string Disposition::param(std::string_view name) const {
  return find_param(params, name);
}

PartHeaders part_headers(const HeaderBlock& hb, std::size_t entity_size) {
  PartHeaders p;
  const auto* ctf = hb.find("Content-Type");
  p.type = parse_content_type(ctf ? ctf->value : "");
  const auto* cdf = hb.find("Content-Disposition");
  p.disposition = parse_disposition(cdf ? cdf->value : "");
  const auto* ctef = hb.find("Content-Transfer-Encoding");
  p.transfer_encoding = ctef ? util::to_lower_ascii(util::trim(ctef->value)) : "";
  p.filename = p.disposition.param("filename");
  if (p.filename.empty()) p.filename = p.type.param("name");
  if (!p.filename.empty()) {
    bool lossy = false;
    p.filename = decode_header_value(p.filename, lossy);
  }
  p.body_start = std::min(hb.body_offset, entity_size);
  return p;
}

}  // namespace postjournal::journal
