// Zip-based documents (OOXML, OpenDocument) and zip archives, with libzip (the only file that
// includes it), and the XML-to-text reader they share.
#include <zip.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "formats.hpp"
#include "util/markup.hpp"

namespace postjournal::extractor {

namespace {

// Bounds against zip bombs: what one member and the whole archive may inflate to.
constexpr std::uint64_t kMaxMember = 256ull << 20;
constexpr std::uint64_t kMaxTotal = 1ull << 30;

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using Zip = std::unique_ptr<zip_t, ZipCloser>;

Zip open_zip(std::string_view data) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(data.data(), data.size(), 0, &err);
  if (!src) throw FormatError("bad-file");
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY, &err);
  zip_error_fini(&err);
  if (!z) {
    zip_source_free(src);
    throw FormatError("bad-file");
  }
  return Zip(z);
}

std::string read_member(zip_t* z, zip_uint64_t index, std::uint64_t& total) {
  zip_file_t* f = zip_fopen_index(z, index, 0);
  if (!f) {
    throw FormatError(zip_get_error(z)->zip_err == ZIP_ER_NOPASSWD ? "encrypted" : "bad-file");
  }
  std::string out;
  char buf[65536];
  for (;;) {
    zip_int64_t n = zip_fread(f, buf, sizeof buf);
    if (n < 0) {
      zip_fclose(f);
      throw FormatError("bad-file");
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    total += static_cast<std::uint64_t>(n);
    if (out.size() > kMaxMember || total > kMaxTotal) {
      zip_fclose(f);
      throw FormatError("zip-bomb");
    }
  }
  zip_fclose(f);
  return out;
}

std::vector<std::pair<zip_uint64_t, std::string>> members(zip_t* z) {
  std::vector<std::pair<zip_uint64_t, std::string>> out;
  zip_int64_t n = zip_get_num_entries(z, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* name = zip_get_name(z, static_cast<zip_uint64_t>(i), 0);
    if (name) out.emplace_back(static_cast<zip_uint64_t>(i), name);
  }
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

void xml_text(std::string_view xml, TextSink& sink) {
  bool cut = false;
  sink.add(util::markup_text(xml, util::Markup::kXml, sink.left(), cut));
  if (cut) sink.truncated = true;
}

void extract_office_zip(std::string_view data, TextSink& sink) {
  Zip z = open_zip(data);
  std::uint64_t total = 0;
  auto wanted = [](const std::string& n) {
    if (n == "word/document.xml" || n == "xl/sharedStrings.xml" || n == "content.xml") return true;
    if (n.starts_with("word/") &&
        (n.find("header") != std::string::npos || n.find("footer") != std::string::npos ||
         n.find("footnotes") != std::string::npos))
      return ends_with(n, ".xml");
    if (n.starts_with("xl/worksheets/sheet") || n.starts_with("ppt/slides/slide") ||
        n.starts_with("ppt/notesSlides/"))
      return ends_with(n, ".xml");
    return false;
  };
  bool any = false;
  for (const auto& [index, name] : members(z.get())) {
    if (!wanted(name) || sink.left() == 0) continue;
    any = true;
    xml_text(read_member(z.get(), index, total), sink);
    sink.separate();
  }
  if (!any) throw FormatError("bad-file");
}

void extract_zip(std::string_view data, const Limits& limits, TextSink& sink) {
  Zip z = open_zip(data);
  std::uint64_t total = 0;
  Limits inner = limits;
  if (limits.zip_depth == 0) {
    for (const auto& [index, name] : members(z.get())) {
      sink.add(name);
      sink.separate();
    }
    return;
  }
  inner.zip_depth = limits.zip_depth - 1;
  for (const auto& [index, name] : members(z.get())) {
    if (sink.left() == 0) {
      sink.truncated = true;
      break;
    }
    sink.add(name);  // member names are searchable too
    sink.separate();
    if (!name.empty() && name.back() == '/') continue;
    std::string bytes = read_member(z.get(), index, total);
    try {
      extract_any("", name, bytes, inner, sink);
    } catch (const FormatError&) {
      // One unreadable member does not hide the others.
    }
    sink.separate();
  }
}

}  // namespace postjournal::extractor
