// The configuration schema table: the single list of keys, types, defaults, bounds and docs.
// Internal to config/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace postjournal::config {

enum class KeyType { kString, kSize, kCount };

struct KeySpec {
  const char* section;
  const char* name;
  KeyType type;
  const char* default_text;
  std::uint64_t min;
  std::uint64_t max;
  const char* doc;
  std::string Config::*string_field;
  std::uint64_t Config::*number_field;
};

const std::vector<KeySpec>& schema();

// Parses a size ("512", "64K", "64M", "4G", "1T"); false on junk or overflow.
bool parse_size(const std::string& text, std::uint64_t& out);

}  // namespace postjournal::config
