// libFuzzer target: the journal extractor (format detection, header blocks, MIME splitting,
// transfer and charset decoding, the Exchange report body, address lists) on arbitrary bytes.
// Invariants: no crash, no sanitizer report, the original lies inside the input, no recipient
// from a report whose body was not understood.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "journal/extract.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto e = postjournal::journal::extract_envelope(in, {});
  if (e.original_offset + e.original_size > size) std::abort();
  auto smtp = postjournal::journal::extract_envelope(in, {"a@x", {"r@y"}});
  if (smtp.format.empty()) std::abort();
  return 0;
}
