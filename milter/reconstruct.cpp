#include "reconstruct.hpp"

namespace postjournal::milter {

std::string header_line(std::string_view name, std::string_view value) {
  std::string out;
  out.reserve(name.size() + value.size() + 8);
  out.append(name);
  out.push_back(':');
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r')) out.push_back('\r');
    out.push_back(value[i]);
  }
  out.append("\r\n");
  return out;
}

}  // namespace postjournal::milter
