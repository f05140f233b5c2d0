#include "args.hpp"

namespace postjournal::cli {

Args::Args(const std::vector<OptionSpec>& specs, const std::vector<std::string>& argv) {
  bool options_done = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (options_done || a == "-" || a.size() < 2 || a[0] != '-') {
      positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    std::string name;
    std::optional<std::string> inline_value;
    if (a[1] == '-') {
      name = a.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
    } else {
      if (a.size() != 2) throw UsageError("unknown option " + a);
      for (const auto& s : specs) {
        if (s.alias == a[1]) name = s.name;
      }
      if (name.empty()) throw UsageError("unknown option " + a);
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) throw UsageError("unknown option --" + name);
    auto& slot = values_[name];
    if (!spec->repeatable && !slot.empty()) throw UsageError("--" + name + " given twice");
    if (!spec->takes_value) {
      if (inline_value) throw UsageError("--" + name + " takes no value");
      slot.emplace_back();
      continue;
    }
    if (inline_value) {
      slot.push_back(*inline_value);
    } else if (i + 1 < argv.size()) {
      slot.push_back(argv[++i]);
    } else {
      throw UsageError("--" + name + " needs a value");
    }
  }
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

std::vector<std::string> Args::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace postjournal::cli
