// The extractors inside postjournal-extract: bytes of one attachment in, UTF-8 text out. Every
// function runs on hostile input inside the worker's sandbox; it appends at most `sink.left()`
// bytes and sets `sink.truncated` when there was more. Failures throw FormatError with a short
// reason ("bad-file", "encrypted", "program-failed", "zip-bomb"), which becomes the part's
// extract_failed:<reason> term.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace postjournal::extractor {

struct FormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TextSink {
  std::string text;
  std::uint64_t max = 0;
  bool truncated = false;
  std::uint64_t left() const { return text.size() >= max ? 0 : max - text.size(); }
  void add(std::string_view s);  // cuts at max and flags truncated
  void separate() {
    if (!text.empty() && text.back() != '\n') add("\n");
  }
};

struct Limits {
  std::uint64_t cpu_seconds = 30;
  std::uint32_t zip_depth = 2;
};

// Picks an extractor by MIME type, falling back to the file name's extension. Returns false when
// no extractor knows the type (the attachment is indexed by name and type only).
bool extract_any(std::string_view mime_type, std::string_view filename, std::string_view data,
                 const Limits& limits, TextSink& sink);

void extract_pdf(std::string_view data, TextSink& sink);
// word/document.xml (DOCX), xl/sharedStrings.xml + sheets (XLSX), ppt/slides (PPTX),
// content.xml (ODT/ODS/ODP).
void extract_office_zip(std::string_view data, TextSink& sink);
// Every member of a zip archive through extract_any, at most limits.zip_depth levels deep.
void extract_zip(std::string_view data, const Limits& limits, TextSink& sink);
// Text of an XML document: character data and entities; block-level end tags become line breaks.
void xml_text(std::string_view xml, TextSink& sink);

// External programs (catdoc, antiword, xls2csv, catppt, unrtf, tnef) with the data in a file
// under /tmp, killed after limits.cpu_seconds of CPU or twice that of wall time.
void extract_with_program(std::string_view kind, std::string_view data, const Limits& limits,
                          TextSink& sink);

}  // namespace postjournal::extractor
