#include "index/delivery_text.hpp"

namespace postjournal::index {

MessageText read_delivery(const archive::TenantArchive& a, const archive::Delivery& d,
                          const TextLimits& limits) {
  std::uint64_t off = 0, len = d.size;
  if (d.envelope.format != "plain" && d.envelope.has_original && d.envelope.original_size > 0) {
    off = d.envelope.original_offset;
    len = d.envelope.original_size;
  }
  std::string bytes;
  bytes.reserve(static_cast<std::size_t>(len));
  bool ok = a.read(d.content_sha256, off, len, [&](std::string_view s) { bytes += s; });
  return read_message(ok ? std::string_view(bytes) : std::string_view(), limits);
}

std::string encode_cached(const extract::Response& r) {
  return "v1\n" + std::to_string(static_cast<int>(r.status)) + "\n" + (r.truncated ? "1" : "0") +
         "\n" + r.reason + "\n" + r.text;
}

std::optional<extract::Response> decode_cached(const std::string& v) {
  if (!v.starts_with("v1\n") || v.size() < 8) return std::nullopt;
  extract::Response r;
  std::size_t a = 3;
  std::size_t b = v.find('\n', a);
  std::size_t c = b == std::string::npos ? b : v.find('\n', b + 1);
  std::size_t d = c == std::string::npos ? c : v.find('\n', c + 1);
  if (d == std::string::npos) return std::nullopt;
  int status = v[a] - '0';
  if (status < 0 || status > 2) return std::nullopt;
  r.status = static_cast<extract::Status>(status);
  r.truncated = v.compare(b + 1, c - b - 1, "1") == 0;
  r.reason = v.substr(c + 1, d - c - 1);
  r.text = v.substr(d + 1);
  return r;
}

bool cacheable(const extract::Response& r) {
  if (r.status != extract::Status::kFailed) return true;
  return r.reason == "bad-file" || r.reason == "encrypted" || r.reason == "zip-bomb" ||
         r.reason == "program-failed";
}

}  // namespace postjournal::index
