#include "state/progress.hpp"

#include "util/file.hpp"
#include "util/strings.hpp"

namespace postjournal::state {

namespace {

std::string clean(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

}  // namespace

std::string progress_path(const std::string& root, const std::string& source) {
  return root + "/_fetch/" + source + ".progress";
}

void write_progress(const std::string& root, const std::string& source, const Progress& p) {
  util::make_dirs(root + "/_fetch");
  std::string text = "# " + util::format_iso8601(p.written) + "\n";
  for (const auto& m : p.mailboxes) {
    text += clean(m.mailbox) + "\t" + clean(m.state) + "\t" + std::to_string(m.archived) + "\t" +
            std::to_string(m.remaining) + "\t" + std::to_string(m.gaps) + "\t" +
            clean(m.last_error) + "\n";
  }
  util::replace_file(progress_path(root, source), text, 0640);
}

std::optional<Progress> read_progress(const std::string& root, const std::string& source) {
  std::string text;
  try {
    text = util::read_file(progress_path(root, source));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  Progress p;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    if (line.rfind("# ", 0) == 0) {
      if (auto t = util::parse_time(line.substr(2))) p.written = *t;
      continue;
    }
    auto f = fields(line);
    if (f.size() != 6) continue;
    unsigned long long a = 0, r = 0, g = 0;
    if (!util::parse_u64(f[2], a) || !util::parse_u64(f[3], r) || !util::parse_u64(f[4], g))
      continue;
    p.mailboxes.push_back({f[0], f[1], a, r, g, f[5]});
  }
  return p;
}

}  // namespace postjournal::state
