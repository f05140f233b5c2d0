// Loading: YAML -> Config through the schema tables. Validation across fields is validate.cpp,
// rendering render.cpp.
#include "config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>

#include "config/retention.hpp"
#include "config/schema.hpp"
#include "config/validate.hpp"
#include "config/web_roles.hpp"
#include "util/file.hpp"

namespace postjournal::config {

void fail(const std::string& file, const YAML::Mark& mark, const std::string& msg) {
  std::string where = file;
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
  throw ConfigError(where + ": " + msg);
}

namespace {

template <class T>
const FieldSpec<T>* find_field(const std::vector<FieldSpec<T>>& fields, const std::string& key) {
  for (const auto& f : fields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

template <class T>
void set_defaults(const std::vector<FieldSpec<T>>& fields, T& target) {
  for (const auto& f : fields) {
    if (f.default_text.empty() && f.type != KeyType::kString && f.type != KeyType::kAddress) {
      continue;
    }
    Value v;
    if (f.type == KeyType::kCidrList) continue;
    if (f.type == KeyType::kList) {
      // default_text: the items separated by '|' (folder names have spaces)
      std::string_view rest = f.default_text;
      while (!rest.empty()) {
        auto bar = rest.find('|');
        v.list.emplace_back(rest.substr(0, bar));
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
      }
      f.set(target, v);
      continue;
    }
    if (parse_value(f, f.default_text, v).empty()) f.set(target, v);
  }
}

template <class T>
void set_field(const FieldSpec<T>& f, const YAML::Node& node, T& target, const std::string& file,
               const std::string& shown_key) {
  Value v;
  if (f.type == KeyType::kCidrList) {
    if (!node.IsSequence() && !node.IsScalar())
      fail(file, node.Mark(), shown_key + " must be a list");
    std::vector<YAML::Node> items;
    if (node.IsScalar()) items.push_back(node);
    for (const auto& item : node) items.push_back(item);
    for (const auto& item : items) {
      auto cidr = item.IsScalar() ? util::Cidr::parse(item.Scalar()) : std::nullopt;
      if (!cidr) {
        fail(file, item.Mark(),
             shown_key + ": '" + (item.IsScalar() ? item.Scalar() : std::string("?")) +
                 "' is not an IP address or CIDR network (host bits must be zero)");
      }
      v.cidrs.push_back(*cidr);
    }
    f.set(target, v);
    return;
  }
  if (f.type == KeyType::kList) {
    if (node.IsMap() && node.size() == 1 && node["group"] && node["group"].IsScalar() &&
        !node["group"].Scalar().empty()) {
      v.list.push_back("group:" + node["group"].Scalar());
    } else if (node.IsScalar() || node.IsSequence()) {
      std::vector<YAML::Node> items;
      if (node.IsScalar()) items.push_back(node);
      for (const auto& item : node) items.push_back(item);
      for (const auto& item : items) {
        if (!item.IsScalar() || item.Scalar().empty())
          fail(file, item.Mark(), shown_key + " must be a list of non-empty values");
        v.list.push_back(item.Scalar());
      }
    } else {
      fail(file, node.Mark(), shown_key + " must be a list");
    }
    f.set(target, v);
    return;
  }
  if (!node.IsScalar() && !node.IsNull())
    fail(file, node.Mark(), shown_key + " must be a single value");
  std::string text = node.IsNull() ? std::string() : node.Scalar();
  if (text.empty() && f.type != KeyType::kString && f.type != KeyType::kAddress &&
      f.type != KeyType::kDomain) {
    fail(file, node.Mark(), shown_key + " must not be empty");
  }
  std::string err = parse_value(f, text, v);
  if (!err.empty()) fail(file, node.Mark(), err);
  f.set(target, v);
}

// Applies every key of `map` (nested maps flattened with '.') to target; records the keys seen.
template <class T>
void apply_map(const YAML::Node& map, const std::string& prefix,
               const std::vector<FieldSpec<T>>& fields, T& target, const std::string& file,
               const std::string& what, std::set<std::string>& seen) {
  for (const auto& kv : map) {
    std::string key = prefix + kv.first.Scalar();
    const FieldSpec<T>* f = find_field(fields, key);
    if (f == nullptr && kv.second.IsMap()) {
      bool is_prefix = false;
      for (const auto& g : fields) is_prefix = is_prefix || g.key.rfind(key + ".", 0) == 0;
      if (is_prefix) {
        apply_map(kv.second, key + ".", fields, target, file, what, seen);
        continue;
      }
    }
    if (f == nullptr) fail(file, kv.first.Mark(), "unknown key '" + key + "'" + what);
    if (!seen.insert(key).second) fail(file, kv.first.Mark(), "key '" + key + "' given twice");
    set_field(*f, kv.second, target, file, key);
  }
}

template <class T>
std::vector<T> load_list(const YAML::Node& node, const std::vector<FieldSpec<T>>& fields,
                         const std::string& file, const std::string& kind) {
  std::vector<T> out;
  if (node.IsNull()) return out;
  if (!node.IsSequence()) fail(file, node.Mark(), kind + "s must be a list");
  for (const auto& item : node) {
    if (!item.IsMap()) fail(file, item.Mark(), "each entry of " + kind + "s must be a mapping");
    T t;
    set_defaults(fields, t);
    t.line = item.Mark().line + 1;
    std::set<std::string> seen;
    apply_map(item, "", fields, t, file, " in a " + kind, seen);
    for (const auto& f : fields) {
      if (f.required && !seen.count(f.key)) {
        std::string name =
            item["name"] && item["name"].IsScalar() ? " '" + item["name"].Scalar() + "'" : "";
        fail(file, item.Mark(), kind + name + " has no " + f.key);
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

std::string_view to_string(AuthMethod m) {
  static constexpr std::string_view kNames[] = {"ip", "ip+domain", "smtp", "spf"};
  return kNames[static_cast<int>(m)];
}

std::string_view to_string(SourceType t) {
  return t == SourceType::kJournaling ? "journaling" : "forward";
}

Config defaults() {
  Config c;
  c.source = "(defaults)";
  set_defaults(top_fields(), c);
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
  std::set<std::string> seen;
  std::optional<YAML::Mark> timestamp_at;  // where the timestamp settings are, for the check below
  for (const auto& kv : root) {
    std::string name = kv.first.Scalar();
    if (name == "timestamp" || name.rfind("timestamp.", 0) == 0) timestamp_at = kv.first.Mark();
    if (name == "listeners") {
      c.listeners = load_list(kv.second, listener_fields(), file, "listener");
    } else if (name == "mailboxes") {
      c.mailboxes = load_list(kv.second, mailbox_fields(), file, "mailbox");
    } else if (name == "microsoft365") {
      c.microsoft365 = load_list(kv.second, microsoft365_fields(), file, "microsoft365 source");
    } else if (name == "retention") {
      c.retention = load_retention(kv.second, file);
    } else if (name == "web.roles") {
      c.web_roles = load_web_roles(kv.second, file);
    } else if (name == "web" && kv.second.IsMap() && kv.second["roles"]) {
      c.web_roles = load_web_roles(kv.second["roles"], file);
      YAML::Node rest = YAML::Clone(kv.second);
      rest.remove("roles");
      apply_map(rest, name + ".", top_fields(), c, file, "", seen);
    } else if (const auto* f = find_field(top_fields(), name)) {
      set_field(*f, kv.second, c, file, name);
    } else {
      bool section = false;
      for (const auto& g : top_fields()) section = section || g.key.rfind(name + ".", 0) == 0;
      if (!section) fail(file, kv.first.Mark(), "unknown section '" + name + "'");
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsMap())
        fail(file, kv.second.Mark(), "section '" + name + "' must be a mapping");
      apply_map(kv.second, name + ".", top_fields(), c, file, "", seen);
    }
  }
  std::string err = validate(c);
  if (!err.empty()) throw ConfigError(file + ":" + err);
  if (timestamp_at && !c.timestamp_url.empty() && c.timestamp_ca_file.empty()) {
    fail(file, *timestamp_at,
         "timestamp.url needs timestamp.ca_file (the TSA's trust anchors, to check its tokens)");
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

}  // namespace postjournal::config
