#include "http.hpp"
#include "util/strings.hpp"

namespace postjournal::web {

std::string Request::param(const std::string& name) const {
  if (auto it = query.find(name); it != query.end()) return it->second;
  if (auto it = form.find(name); it != form.end()) return it->second;
  return {};
}

bool url_decode(std::string_view in, std::string& out) {
  out.clear();
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return true;
}

std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t amp = body.find('&', start);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view pair = body.substr(start, amp - start);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::string name, value;
      if (url_decode(pair.substr(0, eq), name) &&
          url_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), value)) {
        out.emplace(std::move(name), std::move(value));
      }
    }
    start = amp + 1;
  }
  return out;
}

std::string url_encode(std::string_view in) {
  return util::percent_encode(in);
}

}  // namespace postjournal::web
