// PDF text with libpoppler-cpp (the only file that includes it).
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <memory>

#include "formats.hpp"

namespace postjournal::extractor {

namespace {

void quiet(const std::string&, void*) {}

}  // namespace

void extract_pdf(std::string_view data, TextSink& sink) {
  poppler::set_debug_error_function(quiet, nullptr);
  if (data.size() > static_cast<std::size_t>(INT32_MAX)) throw FormatError("bad-file");
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(data.data(), static_cast<int>(data.size())));
  if (!doc) throw FormatError("bad-file");
  if (doc->is_locked()) throw FormatError("encrypted");
  for (int i = 0; i < doc->pages() && sink.left() > 0; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    auto bytes = page->text().to_utf8();
    sink.add(std::string_view(bytes.data(), bytes.size()));
    sink.separate();
  }
  if (sink.left() == 0) sink.truncated = true;
}

}  // namespace postjournal::extractor
