#include "archive/mbox.hpp"

namespace postjournal::archive {

std::string to_mboxrd(std::string_view message, std::string_view sender, util::TimeUs received) {
  std::string out = "From ";
  bool usable = !sender.empty() && sender.find_first_of(" \t\r\n") == std::string_view::npos;
  out.append(usable ? sender : std::string_view("MAILER-DAEMON"));
  out += " " + util::format_asctime(received) + "\n";
  out.reserve(out.size() + message.size() + 64);
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t eol = message.find('\n', pos);
    std::size_t end = eol == std::string_view::npos ? message.size() : eol;
    std::string_view line = message.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r' && eol != std::string_view::npos)
      line.remove_suffix(1);
    std::size_t gt = line.find_first_not_of('>');
    if (gt != std::string_view::npos && line.substr(gt).starts_with("From ")) out.push_back('>');
    out.append(line);
    out.push_back('\n');
    pos = eol == std::string_view::npos ? message.size() : eol + 1;
  }
  out.push_back('\n');
  return out;
}

}  // namespace postjournal::archive
