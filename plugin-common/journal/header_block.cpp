#include "journal/header_block.hpp"

#include "util/strings.hpp"

namespace postjournal::journal {

const HeaderField* HeaderBlock::find(std::string_view name) const {
  for (const auto& f : fields) {
    if (util::iequals_ascii(f.name, name)) return &f;
  }
  return nullptr;
}

HeaderBlock parse_header_block(std::string_view message) {
  HeaderBlock hb;
  std::size_t pos = 0;
  bool bad_line_seen = false;
  bool found_separator = false;
  while (pos < message.size()) {
    if (pos > kMaxHeaderBytes) {
      hb.anomalies.push_back("header-too-large");
      hb.body_offset = message.size();
      found_separator = true;  // reported as header-too-large instead
      break;
    }
    std::size_t eol = message.find('\n', pos);
    std::size_t next = eol == std::string_view::npos ? message.size() : eol + 1;
    std::string_view line = message.substr(pos, next - pos);
    std::string_view content = line;
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
      content.remove_suffix(1);
    }
    if (content.empty()) {
      hb.body_offset = next;
      found_separator = true;
      break;
    }
    if ((content[0] == ' ' || content[0] == '\t') && !hb.fields.empty()) {
      hb.fields.back().value.append(content);
    } else {
      auto colon = content.find(':');
      std::string_view name = colon == std::string_view::npos
                                  ? std::string_view{}
                                  : util::trim(content.substr(0, colon));
      if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) {
        if (!bad_line_seen) hb.anomalies.push_back("malformed-header-line");
        bad_line_seen = true;
      } else {
        hb.fields.push_back({std::string(name), std::string(content.substr(colon + 1))});
      }
    }
    pos = next;
  }
  if (!found_separator) {
    hb.body_offset = message.size();
    hb.anomalies.push_back("no-header-body-separator");
  }
  for (auto& f : hb.fields) f.value = std::string(util::trim(f.value));
  return hb;
}

}  // namespace postjournal::journal
