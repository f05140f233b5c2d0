#include "journal/address_list.hpp"

#include "util/strings.hpp"

namespace postjournal::journal {

namespace {

// State of one address-list item while scanning.
struct Item {
  std::string bare;   // text outside comments and angle brackets (quotes kept)
  std::string angle;  // text inside <...>
  bool has_angle = false;

  void flush(std::vector<std::string>& out) {
    std::string_view addr =
        util::trim(has_angle ? std::string_view(angle) : std::string_view(bare));
    if (!addr.empty() && (has_angle || addr.find('@') != std::string_view::npos ||
                          addr.find_first_of(" \t") == std::string_view::npos)) {
      out.emplace_back(addr);
    }
    *this = Item{};
  }
};

}  // namespace

std::vector<std::string> parse_address_list(std::string_view value) {
  std::vector<std::string> out;
  Item item;
  bool in_quote = false;
  bool in_angle = false;
  int comment_depth = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    std::string& sink = in_angle ? item.angle : item.bare;
    if (in_quote) {
      sink.push_back(c);
      if (c == '\\' && i + 1 < value.size()) {
        sink.push_back(value[++i]);
      } else if (c == '"') {
        in_quote = false;
      }
      continue;
    }
    if (comment_depth > 0) {
      if (c == '\\') {
        ++i;
      } else if (c == '(') {
        ++comment_depth;
      } else if (c == ')') {
        --comment_depth;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_quote = true;
        sink.push_back(c);
        break;
      case '(':
        comment_depth = 1;
        break;
      case '<':
        if (!in_angle) {
          in_angle = true;
          item.has_angle = true;
          item.angle.clear();
        }
        break;
      case '>':
        in_angle = false;
        break;
      case ':':
        if (in_angle) {
          item.angle.push_back(c);  // source route "<@a,@b:x@y>" is stripped below
          item.angle.clear();
        } else {
          item.bare.clear();  // group display name
        }
        break;
      case ',':
        if (in_angle) {
          item.angle.push_back(c);
        } else {
          item.flush(out);
        }
        break;
      case ';':
        if (!in_angle) item.flush(out);
        break;
      default:
        sink.push_back(c);
    }
  }
  item.flush(out);
  return out;
}

std::string parse_mailbox(std::string_view value) {
  auto all = parse_address_list(value);
  return all.empty() ? std::string() : all.front();
}

std::string normalise_message_id(std::string_view value) {
  value = util::trim(value);
  auto lt = value.find('<');
  auto gt = lt == std::string_view::npos ? lt : value.find('>', lt);
  if (gt != std::string_view::npos) return std::string(value.substr(lt, gt - lt + 1));
  return value.empty() ? std::string() : "<" + std::string(value) + ">";
}

}  // namespace postjournal::journal
