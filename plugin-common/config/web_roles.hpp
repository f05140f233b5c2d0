// The `web.roles` list (README, Web): loaded by hand because it is a list of mappings inside a
// section of scalars; accepted nested in `web:` or as a top-level `web.roles:` key (which is how
// show-config prints it). Internal to config/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/config.hpp"

namespace postjournal::config {

// Every problem is a ConfigError naming its line: unknown keys, a missing user or role, an
// unknown role, a bad tenant id, a user named twice, a `user` role without addresses, tenants or
// domains on a role that does not take them.
std::vector<WebRole> load_web_roles(const YAML::Node& list, const std::string& file);

std::string render_web_roles(const std::vector<WebRole>& roles);
std::string sample_web_roles();

}  // namespace postjournal::config
