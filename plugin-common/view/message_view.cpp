#include "view/message_view.hpp"

#include <algorithm>

#include "journal/content_type.hpp"
#include "journal/decode.hpp"
#include "journal/header_block.hpp"
#include "journal/mime_parts.hpp"
#include "util/markup.hpp"
#include "util/strings.hpp"

namespace postjournal::view {

namespace {

std::string decoded(const journal::HeaderBlock& hb, std::string_view name) {
  const auto* f = hb.find(name);
  if (!f) return {};
  bool lossy = false;
  return journal::decode_header_value(f->value, lossy);
}

struct Walker {
  std::string_view message;  // offsets of parts are absolute in it
  MessageView& out;
  std::string html_text;  // text of the first HTML body, used when there is no plain one

  void set_text(std::string& dest, std::string text) {
    if (text.size() > kMaxViewText) {
      text.resize(kMaxViewText);
      out.text_cut = true;
    }
    dest = std::move(text);
  }

  // The entity is message[start, end).
  void walk(std::size_t start, std::size_t end, unsigned depth) {
    std::string_view entity = message.substr(start, end - start);
    journal::HeaderBlock hb = journal::parse_header_block(entity);
    journal::PartHeaders ph = journal::part_headers(hb, entity.size());
    const journal::ContentType& ct = ph.type;
    const std::string& cte = ph.transfer_encoding;
    std::size_t body_start = ph.body_start;

    if (ct.is_multipart() && depth < kMaxViewDepth) {
      std::string boundary = ct.param("boundary");
      if (boundary.empty()) return;
      auto mp = journal::split_multipart(entity, body_start, entity.size(), boundary);
      for (const auto& p : mp.parts) {
        if (out.attachments.size() >= kMaxViewParts) return;
        walk(start + p.start, start + p.end, depth + 1);
      }
      return;
    }
    const std::string& filename = ph.filename;
    bool body_text = ct.type == "text" && (ct.subtype == "plain" || ct.subtype == "html") &&
                     ph.disposition.kind != "attachment" && filename.empty();
    if (body_text) {
      bool lossy = false;
      std::string text =
          journal::to_utf8(journal::decode_transfer(entity.substr(body_start), cte, lossy),
                           ct.param("charset"), lossy);
      if (ct.subtype == "plain" && out.text.empty()) {
        set_text(out.text, std::move(text));
        return;
      }
      if (ct.subtype == "html" && out.html.empty()) {
        bool cut = false;
        html_text = util::markup_text(text, util::Markup::kHtml, kMaxViewText, cut);
        set_text(out.html, std::move(text));
        return;
      }
    }
    if (out.attachments.size() >= kMaxViewParts) return;
    ViewAttachment a;
    a.filename = filename;
    a.mime_type = ct.type + "/" + ct.subtype;
    a.encoding = cte;
    a.body_start = start + body_start;
    a.body_end = end;
    out.attachments.push_back(std::move(a));
  }
};

}  // namespace

MessageView read_view(std::string_view message) {
  MessageView out;
  journal::HeaderBlock hb = journal::parse_header_block(message);
  for (const auto& f : hb.fields) {
    bool lossy = false;
    out.headers.emplace_back(f.name, journal::decode_header_value(f.value, lossy));
  }
  out.subject = decoded(hb, "Subject");
  out.from = decoded(hb, "From");
  out.to = decoded(hb, "To");
  out.cc = decoded(hb, "Cc");
  out.date = decoded(hb, "Date");
  out.message_id = decoded(hb, "Message-ID");
  Walker w{message, out, {}};
  w.walk(0, message.size(), 0);
  if (out.text.empty()) w.set_text(out.text, std::move(w.html_text));
  return out;
}

std::string attachment_bytes(std::string_view message, const ViewAttachment& a) {
  std::size_t end = std::min(a.body_end, message.size());
  std::size_t start = std::min(a.body_start, end);
  bool lossy = false;
  return journal::decode_transfer(message.substr(start, end - start), a.encoding, lossy);
}

}  // namespace postjournal::view
