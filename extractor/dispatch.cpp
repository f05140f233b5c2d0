#include <algorithm>
#include <cctype>
#include <string>

#include "formats.hpp"

namespace postjournal::extractor {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string extension(std::string_view filename) {
  auto dot = filename.rfind('.');
  return dot == std::string_view::npos ? std::string() : lower(filename.substr(dot + 1));
}

bool starts(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

}  // namespace

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
  std::string type = lower(mime_type);
  std::string ext = extension(filename);
  bool generic = type.empty() || type == "application/octet-stream";
  auto is = [&](std::string_view t, std::initializer_list<std::string_view> exts) {
    if (type == t) return true;
    return generic && std::find(exts.begin(), exts.end(), ext) != exts.end();
  };
  if (is("application/pdf", {"pdf"}) || (ext == "pdf" && type == "application/x-pdf")) {
    extract_pdf(data, sink);
  } else if (starts(type, "application/vnd.openxmlformats-officedocument.") ||
             starts(type, "application/vnd.oasis.opendocument.") ||
             (generic && (ext == "docx" || ext == "xlsx" || ext == "pptx" || ext == "odt" ||
                          ext == "ods" || ext == "odp"))) {
    extract_office_zip(data, sink);
  } else if (is("application/zip", {"zip"}) || type == "application/x-zip-compressed") {
    extract_zip(data, limits, sink);
  } else if (is("application/msword", {"doc"})) {
    extract_with_program("doc", data, limits, sink);
  } else if (is("application/vnd.ms-excel", {"xls"})) {
    extract_with_program("xls", data, limits, sink);
  } else if (is("application/vnd.ms-powerpoint", {"ppt"})) {
    extract_with_program("ppt", data, limits, sink);
  } else if (is("application/rtf", {"rtf"}) || type == "text/rtf") {
    extract_with_program("rtf", data, limits, sink);
  } else if (is("application/ms-tnef", {"dat"}) || type == "application/vnd.ms-tnef" ||
             lower(filename) == "winmail.dat") {
    extract_with_program("tnef", data, limits, sink);
  } else if (type == "text/xml" || type == "application/xml" || ext == "xml") {
    xml_text(data, sink);
  } else if (starts(type, "text/") || (generic && (ext == "txt" || ext == "csv" || ext == "log"))) {
    sink.add(data);  // inside an archive; top-level text parts are read by the indexer itself
  } else {
    return false;
  }
  return true;
}

}  // namespace postjournal::extractor
