// GET /messages/ID[/html|/raw|/original|/attachments/N] and /api/deliveries/ID[/raw|/original].
#include <algorithm>

#include "app.hpp"
#include "pages.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"
#include "view/message_view.hpp"
#include "view/render.hpp"
#include "view/sanitize.hpp"

namespace postjournal::web {

namespace {

constexpr std::uint64_t kMaxParsed = 64ull << 20;  // larger messages: evidence and downloads only
constexpr std::size_t kWindow = 1u << 20;          // bytes read from the archive at a time

// A download name: ASCII letters, digits, '.', '-', '_' only (the rest becomes '_').
std::string safe_name(const std::string& name, const std::string& fallback) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || out.find_first_not_of("._") == std::string::npos) return fallback;
  return out.substr(0, 150);
}

std::string disposition(const std::string& name, const std::string& fallback) {
  return "attachment; filename=\"" + safe_name(name, fallback) + "\"" +
         (name.empty() ? "" : "; filename*=UTF-8''" + url_encode(name));
}

// Streams [offset, offset+length) of a delivery's stored bytes in windows.
Response stored_bytes(std::shared_ptr<archive::TenantArchive> a, const archive::Delivery& d,
                      std::uint64_t offset, std::uint64_t length) {
  Response out;
  out.size = length;
  util::Digest sha = d.content_sha256;
  struct Window {
    std::uint64_t start = 0;
    std::string bytes;
  };
  auto window = std::make_shared<Window>();
  out.read = [a, sha, offset, length, window](std::uint64_t pos, char* buf,
                                              std::size_t max) -> std::int64_t {
    if (pos >= length) return 0;
    if (pos < window->start || pos >= window->start + window->bytes.size()) {
      window->start = pos;
      window->bytes.clear();
      std::uint64_t n = std::min<std::uint64_t>(kWindow, length - pos);
      bool ok = false;
      try {
        ok = a->read(sha, offset + pos, n, [&](std::string_view b) { window->bytes.append(b); });
      } catch (const std::exception&) {
        ok = false;
      }
      if (!ok || window->bytes.empty()) return -1;
    }
    std::size_t from = static_cast<std::size_t>(pos - window->start);
    std::size_t n = std::min(max, window->bytes.size() - from);
    std::copy_n(window->bytes.data() + from, n, buf);
    return static_cast<std::int64_t>(n);
  };
  return out;
}

std::string load(const archive::TenantArchive& a, const archive::Delivery& d, std::uint64_t offset,
                 std::uint64_t length) {
  std::string out;
  out.reserve(static_cast<std::size_t>(length));
  if (!a.read(d.content_sha256, offset, length, [&](std::string_view b) { out.append(b); }))
    throw std::runtime_error("content of delivery " + std::to_string(d.seq) + " is missing");
  return out;
}

}  // namespace

Response App::message(const Request& r, const Caller& c, const std::string& rest, bool api) {
  std::string id_text = rest.substr(0, rest.find('/'));
  std::string sub = rest.size() > id_text.size() ? rest.substr(id_text.size() + 1) : "";
  auto id = archive::DeliveryId::parse(id_text);
  const std::string not_found = "No such delivery.";
  if (!id || !access::may_read_tenant(c.who, id->tenant)) return error(404, not_found, api);
  auto a = existing(id->tenant);
  if (!a) return error(404, not_found, api);
  auto d = a->get(id->seq);
  if (!d || !access::may_read(c.who, id->tenant, *d)) return error(404, not_found, api);
  std::string shown = id->str();
  std::string file_base = id->tenant.str() + "-" + std::to_string(id->seq);

  auto audit = [&](const std::string& action, const std::string& detail) {
    archive::AuditEntry e;
    e.user = audit_user(c, r);
    e.action = action;
    e.delivery = shown;
    e.content_sha256 = d->content_sha256;
    e.detail = detail;
    log_.record(a, std::move(e));
  };
  bool has_original = d->envelope.has_original && d->envelope.original_size > 0;
  std::uint64_t orig_offset = has_original ? d->envelope.original_offset : 0;
  std::uint64_t orig_size = has_original ? d->envelope.original_size : d->size;

  if (sub == "raw" || sub == "original") {
    if (sub == "original" && !has_original)
      return error(404, "This journal report carries no original message.", api);
    audit("web-download", sub);
    Response out = sub == "raw" ? stored_bytes(a, *d, 0, d->size)
                                : stored_bytes(a, *d, orig_offset, orig_size);
    out.header("Content-Type", "message/rfc822");
    out.header("Content-Disposition", disposition("", file_base + "-" + sub + ".eml"));
    return out;
  }
  if (api && sub.empty()) {
    audit("web-view", "json");
    view::Listed l{id->tenant, *d};
    return json(200, view::show_json(l, view::related(*a, *d)));
  }
  if (api) return error(404, "No such resource.", true);

  bool parsable = orig_size <= kMaxParsed;
  view::MessageView mv;
  std::string original;
  if (parsable) {
    original = load(*a, *d, orig_offset, orig_size);
    mv = view::read_view(original);
  }
  if (sub == "html") {
    audit("web-view", "html");
    std::string doc = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>" +
                      view::sanitize_html(mv.html) + "</body></html>";
    Response out;
    out.body = std::move(doc);
    out.header("Content-Type", "text/html; charset=utf-8");
    out.header("Content-Security-Policy", std::string(kMessageCsp));
    return out;
  }
  if (sub.rfind("attachments/", 0) == 0) {
    unsigned long long n = 0;
    if (!parsable || !util::parse_u64(sub.substr(12), n) || n >= mv.attachments.size())
      return error(404, "No such attachment.", false);
    const auto& att = mv.attachments[static_cast<std::size_t>(n)];
    audit("web-download", "attachment " + std::to_string(n) + " " + att.filename);
    Response out;
    out.body = view::attachment_bytes(original, att);
    out.header("Content-Type", "application/octet-stream");
    out.header("Content-Disposition",
               disposition(att.filename, file_base + "-attachment-" + std::to_string(n)));
    return out;
  }
  if (!sub.empty()) return error(404, "No such page.", false);

  audit("web-view", "page");
  view::Listed l{id->tenant, *d};
  std::string link = "/messages/" + url_encode(shown);
  std::string body = "<h1>" + h(mv.subject.empty() ? d->envelope.subject : mv.subject) + "</h1>";
  body += "<p><a href=\"" + h(link) + "/raw\">Download as stored</a>";
  if (has_original) body += " | <a href=\"" + h(link) + "/original\">Download the original</a>";
  body += " | SHA-256 <code id=\"sha256\">" + h(util::to_hex(d->content_sha256)) + "</code></p>";
  body += "<h2>Evidence</h2><pre id=\"evidence\">" + h(view::show_text(l, view::related(*a, *d))) +
          "</pre>";
  if (!parsable) {
    body += "<p class=\"note\">The message is larger than 64 MiB; download it to read it.</p>";
    return html(200, page(shown, &c.who, c.csrf, body));
  }
  body += "<h2>Headers</h2><table id=\"headers\">";
  for (const auto& [name, value] : mv.headers) {
    body += "<tr><th>" + h(name) + "</th><td>" + h(value) + "</td></tr>";
  }
  body += "</table>";
  if (!mv.attachments.empty()) {
    body += "<h2>Attachments</h2><ul id=\"attachments\">";
    for (std::size_t i = 0; i < mv.attachments.size(); ++i) {
      const auto& att = mv.attachments[i];
      body += "<li><a href=\"" + h(link) + "/attachments/" + std::to_string(i) + "\">" +
              h(att.filename.empty() ? "(unnamed part)" : att.filename) + "</a> " +
              h(att.mime_type) + ", " + std::to_string(att.encoded_size()) + " bytes encoded</li>";
    }
    body += "</ul>";
  }
  body += "<h2>Text</h2><pre id=\"text\">" + h(mv.text) + "</pre>";
  if (mv.text_cut) body += "<p class=\"note\">The text was cut at 4 MiB.</p>";
  if (!mv.html.empty()) {
    body +=
        "<h2>HTML (sanitised; nothing is loaded)</h2><iframe id=\"html\" sandbox "
        "referrerpolicy=\"no-referrer\" src=\"" +
        h(link) + "/html\" title=\"message HTML\"></iframe>";
  }
  return html(200, page(shown, &c.who, c.csrf, body));
}

}  // namespace postjournal::web
