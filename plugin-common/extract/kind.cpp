#include "extract/kind.hpp"

#include <algorithm>
#include <initializer_list>
#include <string>

#include "util/strings.hpp"

namespace postjournal::extract {

Kind kind_of(std::string_view mime_type, std::string_view filename) {
  std::string type = util::to_lower_ascii(mime_type);
  std::string name = util::to_lower_ascii(filename);
  auto dot = name.rfind('.');
  std::string ext = dot == std::string::npos ? std::string() : name.substr(dot + 1);
  bool generic = type.empty() || type == "application/octet-stream";
  auto named = [&](std::initializer_list<std::string_view> exts) {
    return generic && std::find(exts.begin(), exts.end(), ext) != exts.end();
  };
  auto is = [&](std::string_view t, std::initializer_list<std::string_view> exts) {
    return type == t || named(exts);
  };
  if (is("application/pdf", {"pdf"}) || type == "application/x-pdf") return Kind::kPdf;
  if (type.starts_with("application/vnd.openxmlformats-officedocument.") ||
      type.starts_with("application/vnd.oasis.opendocument.") ||
      named({"docx", "xlsx", "pptx", "odt", "ods", "odp"}))
    return Kind::kOffice;
  if (is("application/zip", {"zip"}) || type == "application/x-zip-compressed") return Kind::kZip;
  if (is("application/msword", {"doc"})) return Kind::kDoc;
  if (is("application/vnd.ms-excel", {"xls"})) return Kind::kXls;
  if (is("application/vnd.ms-powerpoint", {"ppt"})) return Kind::kPpt;
  if (is("application/rtf", {"rtf"}) || type == "text/rtf") return Kind::kRtf;
  if (is("application/ms-tnef", {"dat"}) || type == "application/vnd.ms-tnef" ||
      name == "winmail.dat")
    return Kind::kTnef;
  if (type == "text/xml" || type == "application/xml" || (generic && ext == "xml"))
    return Kind::kXml;
  if (type.starts_with("text/") || named({"txt", "csv", "log"})) return Kind::kText;
  return Kind::kNone;
}

}  // namespace postjournal::extract
