// Which extractor reads an attachment, from its MIME type and, for generic types
// (application/octet-stream or none), its file name's extension. Shared by the worker (which
// dispatches on it) and the indexer (which does not even decode an attachment no extractor
// reads). Thread-safe (pure).
#pragma once

#include <string_view>

namespace postjournal::extract {

enum class Kind { kNone, kPdf, kOffice, kZip, kDoc, kXls, kPpt, kRtf, kTnef, kXml, kText };

Kind kind_of(std::string_view mime_type, std::string_view filename);

}  // namespace postjournal::extract
