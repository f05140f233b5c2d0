// libFuzzer target: the configuration loader (YAML through the schema and the validator) on
// arbitrary text. Invariant: it loads or throws ConfigError; nothing else escapes, no crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string yaml(reinterpret_cast<const char*>(data), size);
  try {
    postjournal::config::load_string(yaml, "fuzz.yaml");
  } catch (const postjournal::config::ConfigError&) {
  }
  return 0;
}
