#include "journal/mime_parts.hpp"

namespace postjournal::journal {

namespace {

// If a delimiter line for `boundary` starts at `pos`, returns true and sets whether it closes and
// where the line ends (after its line break).
bool delimiter_at(std::string_view m, std::size_t pos, std::size_t end, std::string_view boundary,
                  bool& closing, std::size_t& after) {
  if (pos + 2 + boundary.size() > end || m[pos] != '-' || m[pos + 1] != '-' ||
      m.substr(pos + 2, boundary.size()) != boundary) {
    return false;
  }
  std::size_t i = pos + 2 + boundary.size();
  closing = i + 1 < end && m[i] == '-' && m[i + 1] == '-';
  if (closing) i += 2;
  while (i < end && (m[i] == ' ' || m[i] == '\t')) ++i;
  if (i < end && m[i] == '\r') ++i;
  if (i < end && m[i] != '\n') return false;  // "--boundaryX" is not our delimiter
  after = i < end ? i + 1 : end;
  return true;
}

}  // namespace

Multipart split_multipart(std::string_view m, std::size_t body_start, std::size_t body_end,
                          std::string_view boundary, std::size_t max_parts) {
  Multipart mp;
  if (boundary.empty()) {
    mp.anomalies.push_back("multipart-without-boundary");
    return mp;
  }
  bool in_part = false;
  std::size_t part_start = 0;
  const std::string pattern = "--" + std::string(boundary);
  std::string_view body = m.substr(0, body_end);
  for (std::size_t pos = body.find(pattern, body_start); pos != std::string_view::npos;
       pos = body.find(pattern, pos + 1)) {
    bool closing = false;
    std::size_t after = 0;
    if ((pos != body_start && m[pos - 1] != '\n') ||
        !delimiter_at(m, pos, body_end, boundary, closing, after)) {
      continue;
    }
    if (in_part) {
      // The line break before the delimiter belongs to the delimiter.
      std::size_t end = pos;
      if (end > part_start && m[end - 1] == '\n') --end;
      if (end > part_start && m[end - 1] == '\r') --end;
      if (mp.parts.size() >= max_parts) {
        mp.anomalies.push_back("too-many-parts");
        return mp;
      }
      mp.parts.push_back({part_start, end});
    }
    if (closing) {
      mp.closed = true;
      return mp;
    }
    in_part = true;
    part_start = after;
    pos = after - 1;
  }
  if (in_part) {
    if (mp.parts.size() < max_parts) mp.parts.push_back({part_start, body_end});
    mp.anomalies.push_back("multipart-not-closed");
  } else {
    mp.anomalies.push_back("multipart-boundary-not-found");
  }
  return mp;
}

}  // namespace postjournal::journal
