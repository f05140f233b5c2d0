// libFuzzer target: what the indexer reads from untrusted mail and from its (sandboxed, possibly
// compromised) extractor worker: the MIME text reader, HTML/XML to text, accent folding, and the
// worker's response frames. Invariants: no crash; limits hold (no text beyond them); a decoded
// response never carries more text than its bound.
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "extract/protocol.hpp"
#include "index/fold.hpp"
#include "index/message_text.hpp"
#include "util/markup.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace postjournal;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  index::TextLimits limits{4096, 16384};
  index::MessageText mt = index::read_message(in, limits);
  if (mt.body.size() > limits.max_message_text + 64) std::abort();
  for (const auto& a : mt.attachments) {
    if (a.text.size() > limits.max_part_text + 64) std::abort();
  }
  bool cut = false;
  if (util::markup_text(in, util::Markup::kHtml, 1000, cut).size() > 1000) std::abort();
  (void)util::markup_text(in, util::Markup::kXml, 1u << 20, cut);
  (void)index::fold_accents(in);
  int fd = ::memfd_create("frame", 0);
  if (fd >= 0) {
    if (::write(fd, data, size) == static_cast<ssize_t>(size) && ::lseek(fd, 0, SEEK_SET) == 0) {
      extract::Response r;
      if (extract::read_response(fd, r, 512,
                                 std::chrono::steady_clock::now() + std::chrono::seconds(1)) &&
          r.text.size() > 512)
        std::abort();
    }
    ::close(fd);
  }
  return 0;
}
