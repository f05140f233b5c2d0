#include "journal/extract.hpp"

#include "journal/address_list.hpp"
#include "journal/content_type.hpp"
#include "journal/decode.hpp"
#include "journal/exchange_body.hpp"
#include "journal/header_block.hpp"
#include "journal/mime_parts.hpp"
#include "util/strings.hpp"

namespace postjournal::journal {

namespace {

constexpr int kMaxNdrDepth = 3;

// One MIME entity inside the message: [start, end) with its parsed header block.
struct Entity {
  std::size_t start = 0;
  std::size_t end = 0;
  std::size_t body_start = 0;
  HeaderBlock headers;
  ContentType type;
};

Entity entity_at(std::string_view m, std::size_t start, std::size_t end) {
  Entity e;
  e.start = start;
  e.end = end;
  e.headers = parse_header_block(m.substr(start, end - start));
  e.body_start = start + e.headers.body_offset;
  const HeaderField* ct = e.headers.find("Content-Type");
  e.type = parse_content_type(ct ? ct->value : std::string_view{});
  return e;
}

std::string detect_format(const HeaderBlock& h) {
  if (h.find("X-MS-Journal-Report") || h.find("X-MS-Exchange-Organization-Journal-Report")) {
    return "exchange";
  }
  if (h.find("X-MS-Gcc-Journal-Report")) return "exchange-gcc";
  const HeaderField* ci = h.find("Content-Identifier");
  if (!ci) ci = h.find("Content-Identifer");  // Exchange's own misspelling
  if (ci && util::iequals_ascii(util::trim(ci->value), "ExJournalReport")) return "exchange-legacy";
  if (h.find("X-WM-Journal-Report")) return "amazon-workmail";
  if (h.find("X-Envelope-From") || h.find("X-Envelope-To")) return "zimbra";
  if (h.find("X-Gm-Original-To")) return "google";
  return "plain";
}

bool is_report_format(const std::string& f) {
  return f == "exchange" || f == "exchange-gcc" || f == "exchange-legacy" || f == "amazon-workmail";
}

void add_anomalies(JournalEnvelope& env, const std::vector<std::string>& more) {
  env.anomalies.insert(env.anomalies.end(), more.begin(), more.end());
}

std::string decoded_header(const HeaderBlock& h, std::string_view name, JournalEnvelope& env) {
  const HeaderField* f = h.find(name);
  if (!f) return {};
  bool lossy = false;
  std::string v = decode_header_value(f->value, lossy);
  if (lossy) env.anomalies.push_back("header-decoding-lossy:" + std::string(name));
  return v;
}

// Subject and Message-ID of an entity that is itself the original message.
void whole_message_facts(const Entity& e, JournalEnvelope& env) {
  env.subject = decoded_header(e.headers, "Subject", env);
  if (const HeaderField* f = e.headers.find("Message-ID"))
    env.message_id = normalise_message_id(f->value);
  env.has_original = true;
  env.original_offset = e.start;
  env.original_size = e.end - e.start;
}

void extract_report(std::string_view m, const Entity& top, const std::string& format,
                    JournalEnvelope& env) {
  env.format = format;
  env.has_original = false;
  env.subject = decoded_header(top.headers, "Subject", env);
  if (!top.type.is_multipart()) {
    env.anomalies.push_back("journal-report-not-multipart");
    return;
  }
  Multipart mp = split_multipart(m, top.body_start, top.end, top.type.param("boundary"));
  add_anomalies(env, mp.anomalies);
  if (mp.parts.empty()) return;

  Entity body = entity_at(m, mp.parts[0].start, mp.parts[0].end);
  int originals = 0;
  for (std::size_t i = format == "exchange-legacy" ? 0 : 1; i < mp.parts.size(); ++i) {
    Entity part = entity_at(m, mp.parts[i].start, mp.parts[i].end);
    if (!part.type.is("message", "rfc822")) continue;
    if (const HeaderField* cte = part.headers.find("Content-Transfer-Encoding")) {
      std::string enc = util::to_lower_ascii(util::trim(cte->value));
      if (enc != "7bit" && enc != "8bit" && enc != "binary") {
        env.anomalies.push_back("original-transfer-encoded:" + enc);
      }
    }
    if (++originals == 1) {
      env.has_original = true;
      env.original_offset = part.body_start;
      env.original_size = part.end - part.body_start;
    } else {
      env.decrypted_copy = true;  // Exchange appends the decrypted clear copy as a 2nd message
    }
  }
  if (originals > 2) env.anomalies.push_back("journal-report-extra-messages");
  if (!env.has_original) env.anomalies.push_back("journal-report-without-original");

  if (format == "exchange-legacy") {
    env.anomalies.push_back("exchange-legacy-body-not-parsed");
  } else if (!body.type.is("text", "plain")) {
    env.anomalies.push_back("journal-report-first-part-not-text");
  } else {
    bool lossy = false;
    const HeaderField* cte = body.headers.find("Content-Transfer-Encoding");
    std::string bytes = decode_transfer(m.substr(body.body_start, body.end - body.body_start),
                                        cte ? cte->value : std::string_view{}, lossy);
    std::string text = to_utf8(bytes, body.type.param("charset"), lossy);
    if (lossy) env.anomalies.push_back("journal-body-decoding-lossy");
    ExchangeBody b = parse_exchange_body(text);
    add_anomalies(env, b.anomalies);
    if (b.parsed) {
      env.sender = b.sender;
      env.on_behalf_of = b.on_behalf_of;
      env.recipients = std::move(b.recipients);
      if (!b.subject.empty()) env.subject = b.subject;
      env.message_id = b.message_id;
    }
    if (!b.has_message_id_field && env.has_original) {
      Entity original = entity_at(m, env.original_offset, env.original_offset + env.original_size);
      if (const HeaderField* f = original.headers.find("Message-ID")) {
        env.message_id = normalise_message_id(f->value);
      }
    }
  }
}

// An NDR (multipart/report) whose message/rfc822 part is a journal report: extract that report.
bool try_unwrap_ndr(std::string_view m, const Entity& top, JournalEnvelope& env, int depth) {
  if (depth >= kMaxNdrDepth || !top.type.is("multipart", "report")) return false;
  Multipart mp = split_multipart(m, top.body_start, top.end, top.type.param("boundary"));
  for (const auto& p : mp.parts) {
    Entity part = entity_at(m, p.start, p.end);
    if (!part.type.is("message", "rfc822")) continue;
    Entity inner = entity_at(m, part.body_start, part.end);
    std::string format = detect_format(inner.headers);
    if (is_report_format(format)) {
      env.wrapped_in_ndr = true;
      add_anomalies(env, inner.headers.anomalies);
      extract_report(m, inner, format, env);
      return true;
    }
    if (try_unwrap_ndr(m, inner, env, depth + 1)) return true;
  }
  return false;
}

void extract_zimbra(const Entity& top, JournalEnvelope& env) {
  if (const HeaderField* f = top.headers.find("X-Envelope-From"))
    env.sender = parse_mailbox(f->value);
  for (const auto& f : top.headers.fields) {
    if (!util::iequals_ascii(f.name, "X-Envelope-To")) continue;
    for (auto& a : parse_address_list(f.value)) {
      env.recipients.push_back({std::move(a), RecipientKind::kEnvelope, {}, {}});
    }
  }
  if (const HeaderField* f = top.headers.find("X-Envelope-To-Blocked");
      f && !util::trim(f->value).empty()) {
    env.anomalies.push_back("zimbra-blocked-recipients");
  }
}

void extract_plain(const Entity& top, const SmtpEnvelope& smtp, bool google, JournalEnvelope& env) {
  if (!smtp.mail_from.empty()) {
    env.sender = smtp.mail_from;
  } else if (const HeaderField* f = top.headers.find("From")) {
    env.sender = parse_mailbox(f->value);
  }
  for (const auto& f : top.headers.fields) {
    bool use = google ? util::iequals_ascii(f.name, "X-Gm-Original-To")
                      : smtp.rcpt_to.empty() && (util::iequals_ascii(f.name, "To") ||
                                                 util::iequals_ascii(f.name, "Cc"));
    if (!use) continue;
    for (auto& a : parse_address_list(f.value)) {
      env.recipients.push_back(
          {std::move(a), google ? RecipientKind::kEnvelope : RecipientKind::kHeader, {}, {}});
    }
  }
  if (!google) {
    for (const auto& r : smtp.rcpt_to)
      env.recipients.push_back({r, RecipientKind::kEnvelope, {}, {}});
  }
}

JournalEnvelope extract_unchecked(std::string_view message, const SmtpEnvelope& smtp) {
  JournalEnvelope env;
  Entity top = entity_at(message, 0, message.size());
  env.anomalies = top.headers.anomalies;
  std::string format = detect_format(top.headers);
  if (is_report_format(format)) {
    extract_report(message, top, format, env);
    return env;
  }
  if (try_unwrap_ndr(message, top, env, 0)) return env;
  env.format = format;
  whole_message_facts(top, env);
  if (format == "zimbra") {
    extract_zimbra(top, env);
  } else {
    extract_plain(top, smtp, format == "google", env);
  }
  return env;
}

}  // namespace

JournalEnvelope extract_envelope(std::string_view message, const SmtpEnvelope& smtp) {
  try {
    return extract_unchecked(message, smtp);
  } catch (const std::exception& e) {
    // A bug must not turn into a message that can never be stored: keep the bytes as plain.
    JournalEnvelope env;
    env.format = "plain";
    env.original_size = message.size();
    env.anomalies.push_back(std::string("extractor-error:") + e.what());
    return env;
  }
}

}  // namespace postjournal::journal
