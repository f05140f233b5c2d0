// libFuzzer target: decoding stored delivery records, content headers, blob rows and stored
// chunks and text-cache values, audit entries and retention's entries, holds and erasure
// requests (the archive must survive a corrupt or hostile database file).
// Invariant: decode then encode round-trips; a bad chunk is a StoredBytesError, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "archive/audit.hpp"
#include "archive/content_layout.hpp"
#include "archive/record_codec.hpp"
#include "archive/retention_store.hpp"
#include "archive/storage.hpp"

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
  namespace a = postjournal::archive;
  if (auto e = a::decode_retention(in); e && a::decode_retention(a::encode_retention(*e)) != e) {
    std::abort();
  }
  if (auto h = a::decode_hold(in); h && a::decode_hold(a::encode_hold(*h)) != h) std::abort();
  if (auto q = a::decode_erasure(in); q && a::decode_erasure(a::encode_erasure(*q)) != q) {
    std::abort();
  }
  if (auto e = a::decode_audit(in); e && a::decode_audit(a::encode_audit(*e)) != e) std::abort();
  using postjournal::archive::BlobRow;
  if (auto row = postjournal::archive::decode_blob_row(in)) {
    auto again = postjournal::archive::decode_blob_row(postjournal::archive::encode_blob_row(*row));
    if (row->version == 2 && (!again || again->size != row->size || again->id != row->id ||
                              again->live != row->live || again->wrapped_key != row->wrapped_key)) {
      std::abort();
    }
  }
  static const postjournal::archive::Storage storage(*postjournal::archive::TenantId::parse("fuzz"),
                                                     postjournal::archive::StorageOptions{});
  BlobRow row;
  row.size = 256 * 1024;
  row.chunk_size = 256 * 1024;
  row.chunk_count = 1;
  postjournal::util::Digest sha{};
  try {
    (void)storage.decode_chunk(row, sha, 0, in);
  } catch (const postjournal::archive::StoredBytesError&) {
  }
  try {
    (void)storage.open_text(sha, in);
  } catch (const postjournal::archive::StoredBytesError&) {
  } catch (const postjournal::archive::KeyError&) {  // a sealed value: no key in the fuzzer
  }
  return 0;
}
