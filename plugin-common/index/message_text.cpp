#include "index/message_text.hpp"

#include "extract/kind.hpp"
#include "journal/address_list.hpp"
#include "journal/content_type.hpp"
#include "journal/decode.hpp"
#include "journal/header_block.hpp"
#include "journal/mime_parts.hpp"
#include "util/markup.hpp"
#include "util/strings.hpp"

namespace postjournal::index {

namespace {

struct Walker {
  const TextLimits& limits;
  MessageText& out;
  std::uint64_t total = 0;  // text bytes taken so far

  // Appends text to `dest`, within the per-part and per-message limits.
  void take(std::string& dest, std::string_view text, bool& truncated) {
    std::uint64_t room = limits.max_message_text > total ? limits.max_message_text - total : 0;
    // The per-part limit is on what `dest` holds in all: a nested message adds to its text in
    // several pieces.
    std::uint64_t part_room =
        limits.max_part_text > dest.size() ? limits.max_part_text - dest.size() : 0;
    room = std::min<std::uint64_t>(room, part_room);
    std::uint64_t separator = dest.empty() || text.empty() ? 0 : 1;  // counts like the text
    if (text.size() + separator > room) {
      text = text.substr(0, static_cast<std::size_t>(room > separator ? room - separator : 0));
      truncated = true;
    }
    if (text.empty()) return;
    total += text.size() + separator;
    if (separator) dest += '\n';
    dest.append(text);
  }

  static std::string header(const journal::HeaderBlock& hb, std::string_view name) {
    const auto* f = hb.find(name);
    if (!f) return {};
    bool lossy = false;
    return journal::decode_header_value(f->value, lossy);
  }

  std::string part_text(const journal::ContentType& ct, std::string_view body, std::string_view cte,
                        bool& truncated) {
    bool lossy = false;
    std::string decoded = journal::decode_transfer(body, cte, lossy);
    std::string text = journal::to_utf8(decoded, ct.param("charset"), lossy);
    if (ct.subtype == "html") {
      bool cut = false;
      text = util::markup_text(text, util::Markup::kHtml, limits.max_part_text, cut);
      truncated = truncated || cut;
    }
    return text;
  }

  // Walks one entity; text parts go to `into` (an attachment) or to the message body.
  void walk(std::string_view entity, unsigned depth, Attachment* into, bool top) {
    journal::HeaderBlock hb = journal::parse_header_block(entity);
    if (top) {
      out.subject = header(hb, "Subject");
      out.from = header(hb, "From");
      out.to = header(hb, "To");
      out.cc = header(hb, "Cc");
      if (const auto* f = hb.find("From"))
        out.from_addresses = journal::parse_address_list(f->value);
      if (const auto* f = hb.find("To")) out.to_addresses = journal::parse_address_list(f->value);
      if (const auto* f = hb.find("Cc")) out.cc_addresses = journal::parse_address_list(f->value);
      if (const auto* f = hb.find("Message-ID")) {
        std::string id = journal::normalise_message_id(f->value);
        if (id.size() >= 2) out.message_id = id.substr(1, id.size() - 2);
      }
      if (const auto* f = hb.find("Date")) out.date = util::parse_rfc5322_date(f->value);
    }
    journal::PartHeaders ph = journal::part_headers(hb, entity.size());
    const journal::ContentType& ct = ph.type;
    const journal::Disposition& disp = ph.disposition;
    const std::string& cte = ph.transfer_encoding;
    std::size_t body_start = ph.body_start;
    std::string_view body = entity.substr(body_start);

    if (ct.is_multipart() && depth < kMaxDepth) {
      std::string boundary = ct.param("boundary");
      if (boundary.empty()) return;
      auto mp = journal::split_multipart(entity, body_start, entity.size(), boundary);
      if (ct.subtype == "alternative") {
        // One rendering of the same text: the plain one when there is one, else the last.
        std::size_t pick = mp.parts.empty() ? 0 : mp.parts.size() - 1;
        for (std::size_t i = 0; i < mp.parts.size(); ++i) {
          auto p = entity.substr(mp.parts[i].start, mp.parts[i].end - mp.parts[i].start);
          auto phb = journal::parse_header_block(p);
          const auto* pct = phb.find("Content-Type");
          if (journal::parse_content_type(pct ? pct->value : "").is("text", "plain")) {
            pick = i;
            break;
          }
        }
        if (!mp.parts.empty()) {
          const auto& p = mp.parts[pick];
          walk(entity.substr(p.start, p.end - p.start), depth + 1, into, false);
        }
        return;
      }
      for (const auto& p : mp.parts)
        walk(entity.substr(p.start, p.end - p.start), depth + 1, into, false);
      return;
    }

    const std::string& filename = ph.filename;
    std::string mime = ct.type + "/" + ct.subtype;
    bool is_message = ct.type == "message" && (ct.subtype == "rfc822" || ct.subtype == "global");
    bool attachment =
        disp.kind == "attachment" || !filename.empty() || is_message || ct.type != "text";
    if (!attachment) {
      if (ct.type != "text") return;
      bool truncated = false;
      std::string text = part_text(ct, body, cte, truncated);
      if (into) {
        take(into->text, text, into->truncated);
        into->truncated = into->truncated || truncated;
      } else {
        take(out.body, text, out.truncated);
        out.truncated = out.truncated || truncated;
      }
      return;
    }
    Attachment a;
    a.filename = filename;
    a.mime_type = mime;
    if (!is_message && ct.type != "text" &&
        extract::kind_of(mime, filename) == extract::Kind::kNone) {
      // No extractor reads it (an image, an unknown binary): its name and type are all there is
      // to index, so it is not even decoded.
      out.attachments.push_back(std::move(a));
      return;
    }
    bool lossy = false;
    std::string decoded = journal::decode_transfer(body, cte, lossy);
    a.sha256 = util::sha256(decoded);
    if (is_message && depth < kMaxDepth) {
      // A forwarded or attached message: its headers and text are searchable as attachment text.
      journal::HeaderBlock inner = journal::parse_header_block(decoded);
      for (const char* h : {"Subject", "From", "To", "Cc"}) {
        std::string v = header(inner, h);
        if (!v.empty()) take(a.text, v, a.truncated);
      }
      out.attachments.push_back(std::move(a));
      std::size_t index = out.attachments.size() - 1;
      Attachment nested;
      walk_into(decoded, depth + 1, nested);
      Attachment& me = out.attachments[index];
      if (!nested.text.empty()) take(me.text, nested.text, me.truncated);
      me.truncated = me.truncated || nested.truncated;
      return;
    }
    if (ct.type == "text") {
      bool truncated = false;
      std::string text = part_text(ct, body, cte, truncated);
      take(a.text, text, a.truncated);
      a.truncated = a.truncated || truncated;
    } else {
      a.needs_extraction = true;
      a.data = std::move(decoded);
    }
    // An attachment inside an attached message is an attachment of this message too.
    out.attachments.push_back(std::move(a));
  }

  void walk_into(std::string_view message, unsigned depth, Attachment& into) {
    walk(message, depth, &into, false);
  }
};

}  // namespace

MessageText read_message(std::string_view message, const TextLimits& limits) {
  MessageText out;
  Walker w{limits, out};
  w.walk(message, 0, nullptr, true);
  return out;
}

}  // namespace postjournal::index
