// The postjournal configuration: one YAML file (default /etc/postjournal/postjournal.yaml),
// loaded into an immutable Config snapshot. One schema table (schema.cpp) lists every key with
// its type, default, bounds and documentation; it drives loading, validation and the sample file
// conf/postjournal.yaml.sample. Unknown keys and bad values are errors reported as
// "file:line: message" through ConfigError. Only this module includes yaml-cpp.
// Thread-safe: loading has no shared state; a Config is immutable once loaded.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace postjournal::config {

inline constexpr const char* kDefaultConfigPath = "/etc/postjournal/postjournal.yaml";

struct Config {
  std::string source;  // file the values came from, or "(defaults)"
  std::string archive_root;
  std::uint64_t archive_initial_map_size = 0;
  std::uint64_t archive_max_map_size = 0;
  std::uint64_t archive_batch_max = 0;
  std::uint64_t archive_batch_bytes = 0;
  std::uint64_t archive_batch_wait_ms = 0;
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every key at its default.
Config defaults();
// Throws ConfigError ("file:line: message") on unreadable files, YAML syntax errors, unknown keys
// and values out of bounds.
Config load_file(const std::string& path);
Config load_string(const std::string& yaml, const std::string& name_for_errors);

// The sample configuration file generated from the schema (every key, its default and doc).
std::string render_sample();
// The effective configuration as YAML.
std::string render(const Config& c);

}  // namespace postjournal::config
