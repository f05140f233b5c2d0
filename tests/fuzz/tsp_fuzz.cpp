// libFuzzer target: what comes back from a TSA (util/tsp.hpp) and stored stamp records
// (archive/stamps.hpp). A TSA's answer is untrusted network input, a stamp record may come from a
// damaged database file. Invariants: nothing crashes or leaks; a stamp record that decodes
// round-trips; a response never verifies against an imprint it does not carry.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "archive/stamps.hpp"
#include "util/tsp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace postjournal;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string why;
  auto info = util::tsp::parse_response(in, why);
  if (info && info->granted) {
    util::Digest other = info->imprint;
    other[0] ^= 1;
    if (util::tsp::verify_response(in, other, info->nonce.value_or(0),
                                   SOURCE_DIR "/tests/data/fuzz-tsp/ca.crt")
            .empty()) {
      std::abort();
    }
    (void)util::tsp::verify_response(in, info->imprint, info->nonce.value_or(0),
                                     SOURCE_DIR "/tests/data/fuzz-tsp/ca.crt");
  }
  (void)util::tsp::token_certificates_pem(in);
  (void)util::tsp::pem_fingerprint(in);
  if (auto s = archive::decode_stamp(in)) {
    auto again = archive::decode_stamp(archive::encode_stamp(*s));
    if (!again || !(*again == *s)) std::abort();
  }
  return 0;
}
