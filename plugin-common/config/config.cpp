#include "config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <set>

#include "config/schema.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace postjournal::config {

namespace {

[[noreturn]] void fail(const std::string& file, const YAML::Mark& mark, const std::string& msg) {
  std::string where = file;
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
  throw ConfigError(where + ": " + msg);
}

void assign(Config& c, const KeySpec& k, const std::string& text, const std::string& file,
            const YAML::Mark& mark) {
  std::string key = std::string(k.section) + "." + k.name;
  if (k.type == KeyType::kString) {
    if (text.empty()) fail(file, mark, key + " must not be empty");
    c.*k.string_field = text;
    return;
  }
  std::uint64_t v = 0;
  unsigned long long n = 0;
  bool ok = k.type == KeyType::kSize ? parse_size(text, v) : util::parse_u64(text, n);
  if (k.type == KeyType::kCount) v = n;
  if (!ok)
    fail(file, mark,
         key + ": '" + text + "' is not a " +
             (k.type == KeyType::kSize ? "size (like 64M)" : "number"));
  if (v < k.min || v > k.max) {
    fail(file, mark,
         key + " = " + text + " is out of bounds [" + std::to_string(k.min) + ", " +
             std::to_string(k.max) + "]");
  }
  c.*k.number_field = v;
}

// The text as comment lines of at most 99 columns.
std::string wrap_comment(std::string_view text, const std::string& prefix) {
  std::string out;
  std::string line = prefix;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    if (line.size() > prefix.size() && line.size() + 1 + word.size() > 99) {
      out += line + "\n";
      line = prefix;
    }
    if (line.size() > prefix.size()) line += ' ';
    line += word;
    pos = end + 1;
  }
  return out + line + "\n";
}

}  // namespace

Config defaults() {
  Config c;
  c.source = "(defaults)";
  for (const auto& k : schema()) assign(c, k, k.default_text, "(schema)", YAML::Mark::null_mark());
  return c;
}

Config load_string(const std::string& yaml, const std::string& file) {
  Config c = defaults();
  c.source = file;
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    fail(file, e.mark, "YAML syntax error: " + e.msg);
  }
  if (root.IsNull()) return c;
  if (!root.IsMap()) fail(file, root.Mark(), "the top level must be a mapping of sections");
  std::set<std::string> sections;
  for (const auto& k : schema()) sections.insert(k.section);
  for (const auto& sec : root) {
    std::string name = sec.first.Scalar();
    if (!sections.count(name)) fail(file, sec.first.Mark(), "unknown section '" + name + "'");
    if (sec.second.IsNull()) continue;
    if (!sec.second.IsMap())
      fail(file, sec.second.Mark(), "section '" + name + "' must be a mapping");
    for (const auto& kv : sec.second) {
      std::string key = kv.first.Scalar();
      const KeySpec* spec = nullptr;
      for (const auto& k : schema()) {
        if (name == k.section && key == k.name) spec = &k;
      }
      if (spec == nullptr) fail(file, kv.first.Mark(), "unknown key '" + name + "." + key + "'");
      if (!kv.second.IsScalar())
        fail(file, kv.second.Mark(), name + "." + key + " must be a single value");
      assign(c, *spec, kv.second.Scalar(), file, kv.second.Mark());
    }
  }
  return c;
}

Config load_file(const std::string& path) {
  std::string text;
  try {
    text = util::read_file(path);
  } catch (const std::exception& e) {
    throw ConfigError(path + ": " + e.what());
  }
  return load_string(text, path);
}

std::string render_sample() {
  std::string out =
      "# postjournal configuration (sample generated from the schema; every key at its "
      "default).\n# Install as /etc/postjournal/postjournal.yaml and edit.\n";
  std::string section;
  for (const auto& k : schema()) {
    if (section != k.section) {
      section = k.section;
      out += "\n" + section + ":\n";
    }
    out += wrap_comment(k.doc, "  # ");
    out += "  " + std::string(k.name) + ": " + k.default_text + "\n";
  }
  return out;
}

std::string render(const Config& c) {
  std::string out = "# effective configuration from " + c.source + "\n";
  std::string section;
  for (const auto& k : schema()) {
    if (section != k.section) {
      section = k.section;
      out += section + ":\n";
    }
    out += "  " + std::string(k.name) + ": " +
           (k.type == KeyType::kString ? c.*k.string_field : std::to_string(c.*k.number_field)) +
           "\n";
  }
  return out;
}

}  // namespace postjournal::config
