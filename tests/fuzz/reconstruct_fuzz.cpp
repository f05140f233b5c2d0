// libFuzzer target: the milter's header reconstruction (milter/reconstruct.hpp) on arbitrary
// names and values (split at the first NUL). Invariants: the line starts with "name:", ends with
// CRLF, has no LF without a CR before it, and only CRs before bare LFs were added.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reconstruct.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t nul = in.find('\0');
  std::string_view name = in.substr(0, nul == std::string_view::npos ? 0 : nul);
  std::string_view value = nul == std::string_view::npos ? in : in.substr(nul + 1);
  std::string line = postjournal::milter::header_line(name, value);
  if (line.compare(0, name.size() + 1, std::string(name) + ":") != 0) std::abort();
  if (line.size() < 2 || line.compare(line.size() - 2, 2, "\r\n") != 0) std::abort();
  std::size_t added = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r')) ++added;
  }
  if (line.size() != name.size() + 1 + value.size() + added + 2) std::abort();
  for (std::size_t i = name.size() + 1; i < line.size(); ++i) {
    if (line[i] == '\n' && line[i - 1] != '\r') std::abort();
  }
  return 0;
}
