// libFuzzer target: decoding stored delivery records and content headers (the archive must
// survive a corrupt or hostile database file). Invariant: decode then encode round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "archive/content_layout.hpp"
#include "archive/record_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  postjournal::archive::Delivery d;
  if (postjournal::archive::decode_delivery(in, d).empty()) {
    postjournal::archive::Delivery again;
    if (!postjournal::archive::decode_delivery(postjournal::archive::encode_delivery(d), again)
             .empty() ||
        !(again == d)) {
      std::abort();
    }
  }
  (void)postjournal::archive::decode_content_header(in);
  (void)postjournal::archive::decode_blob_header(in);
  return 0;
}
