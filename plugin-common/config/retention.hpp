// The `retention:` section (README, Retention and legal hold): loaded by hand because it nests
// lists in lists, rendered for show-config and documented in the sample. Internal to config/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "config/config.hpp"

namespace postjournal::config {

// Throws ConfigError "file:line: message" (config.cpp).
[[noreturn]] void fail(const std::string& file, const YAML::Mark& mark, const std::string& msg);

// Reads the section; every problem is a ConfigError naming its line: unknown keys, bad periods,
// a minimum longer than keep, a rule without a name or without a match, duplicate tenants or rule
// names, bad tenant ids.
RetentionConfig load_retention(const YAML::Node& section, const std::string& file);

std::string render_retention(const RetentionConfig& r);
std::string sample_retention();

}  // namespace postjournal::config
