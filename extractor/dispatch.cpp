#include <string>

#include "extract/kind.hpp"
#include "formats.hpp"

namespace postjournal::extractor {

void TextSink::add(std::string_view s) {
  std::uint64_t room = left();
  if (s.size() > room) {
    s = s.substr(0, static_cast<std::size_t>(room));
    truncated = true;
  }
  text.append(s);
}

bool extract_any(std::string_view mime_type, std::string_view filename, std::string_view data,
                 const Limits& limits, TextSink& sink) {
  switch (extract::kind_of(mime_type, filename)) {
    case extract::Kind::kPdf:
      extract_pdf(data, sink);
      break;
    case extract::Kind::kOffice:
      extract_office_zip(data, sink);
      break;
    case extract::Kind::kZip:
      extract_zip(data, limits, sink);
      break;
    case extract::Kind::kDoc:
      extract_with_program("doc", data, limits, sink);
      break;
    case extract::Kind::kXls:
      extract_with_program("xls", data, limits, sink);
      break;
    case extract::Kind::kPpt:
      extract_with_program("ppt", data, limits, sink);
      break;
    case extract::Kind::kRtf:
      extract_with_program("rtf", data, limits, sink);
      break;
    case extract::Kind::kTnef:
      extract_with_program("tnef", data, limits, sink);
      break;
    case extract::Kind::kXml:
      xml_text(data, sink);
      break;
    case extract::Kind::kText:
      sink.add(data);  // inside an archive; top-level text parts are read by the indexer itself
      break;
    case extract::Kind::kNone:
      return false;
  }
  return true;
}

}  // namespace postjournal::extractor
