// Table test over the project's own journal fixtures (tests/data/journal/): format, sender,
// recipients with kinds and annotations, Message-ID, original, flags and anomalies.
#include <gtest/gtest.h>

#include "journal/extract.hpp"
#include "util/file.hpp"
#include "util/sha256.hpp"

using namespace postjournal;
using namespace postjournal::journal;

namespace {

std::string fixture(const std::string& name) {
  return util::read_file(SOURCE_DIR "/tests/data/journal/" + name);
}

std::string recipients_text(const JournalEnvelope& e) {
  std::string out;
  for (const auto& r : e.recipients) {
    if (!out.empty()) out += "; ";
    out += std::string(to_string(r.kind)) + " " + r.address;
    if (!r.expanded_from.empty()) out += " <exp " + r.expanded_from + ">";
    if (!r.forwarded_from.empty()) out += " <fwd " + r.forwarded_from + ">";
  }
  return out;
}

bool has_anomaly(const JournalEnvelope& e, std::string_view prefix) {
  for (const auto& a : e.anomalies) {
    if (a.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

struct Case {
  const char* file;
  const char* format;
  const char* sender;
  const char* message_id;
  const char* recipients;
  bool has_original;
  const char* expect_anomaly;  // nullptr: no anomalies at all
};

constexpr const char* kOriginalSha =
    "ebea25285efd81ea2ceabca2fc93104d6552ff095f631a5491c18ad703813707";

const Case kCases[] = {
    {"exchange-to-cc-bcc.eml", "exchange", "assistant@contoso.example", "<orig-1@contoso.example>",
     "to sales-member1@contoso.example <exp sales@contoso.example>; to "
     "sales-member2@contoso.example <exp sales@contoso.example>; cc lee.new@contoso.example <fwd "
     "lee@contoso.example>; bcc auditor@contoso.example; recipient partner@fabrikam.example",
     true, nullptr},
    {"exchange-unknown-message-id.eml", "exchange", "pat@contoso.example", "",
     "recipient one@contoso.example; recipient two@fabrikam.example", true, nullptr},
    {"exchange-qp-latin1.eml", "exchange", "thomas@contoso.example", "<qp-1@contoso.example>",
     "recipient bj\xC3\xB6rn@contoso.example; cc thomas@contoso.example", true, nullptr},
    {"exchange-utf8-subject.eml", "exchange", "pat@contoso.example", "<utf8-1@contoso.example>",
     "to zo\xC3\xAB@contoso.example", true, nullptr},
    {"exchange-lf-only.eml", "exchange", "pat@contoso.example", "<orig-1@contoso.example>",
     "recipient lf@contoso.example", true, nullptr},
    {"exchange-quoted-comma.eml", "exchange", "\"doe, jane\"@contoso.example",
     "<orig-1@contoso.example>",
     "recipient \"smith, john\"@contoso.example <exp all-staff@contoso.example>; recipient "
     "plain@contoso.example",
     true, nullptr},
    {"exchange-decrypted.eml", "exchange", "pat@contoso.example", "<orig-1@contoso.example>",
     "recipient secret@contoso.example", true, nullptr},
    {"exchange-gcc.eml", "exchange-gcc", "pat@contoso.example", "<orig-1@contoso.example>",
     "to sales@contoso.example; recipient gcc-target@contoso.example", false,
     "journal-report-without-original"},
    {"exchange-no-original.eml", "exchange", "pat@contoso.example", "<orig-1@contoso.example>",
     "recipient lost@contoso.example", false, "journal-report-without-original"},
    {"exchange-legacy.eml", "exchange-legacy", "", "", "", true, "exchange-legacy-body-not-parsed"},
    {"exchange-ndr-wrapped.eml", "exchange", "pat@contoso.example", "<orig-1@contoso.example>",
     "recipient ndr-victim@contoso.example", true, nullptr},
    {"workmail.eml", "amazon-workmail", "pat@contoso.example", "<orig-1@contoso.example>",
     "to sales@contoso.example; bcc hidden@contoso.example", true, nullptr},
    {"zimbra.eml", "zimbra", "pat@contoso.example", "<orig-1@contoso.example>",
     "envelope sales@contoso.example; envelope lee@contoso.example; envelope "
     "bcc-only@contoso.example",
     true, nullptr},
    {"google.eml", "google", "pat@contoso.example", "<orig-1@contoso.example>",
     "envelope lee@contoso.example", true, nullptr},
    {"forged-report.eml", "exchange", "", "", "", false, "journal-report-not-multipart"},
    {"forged-report-multipart.eml", "exchange", "", "<orig-1@contoso.example>", "", true,
     "journal-body-line-not-a-field"},
};

}  // namespace

TEST(JournalFormats, FixtureTable) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.file);
    std::string bytes = fixture(c.file);
    JournalEnvelope e = extract_envelope(bytes, {});
    EXPECT_EQ(e.format, c.format);
    EXPECT_EQ(e.sender, c.sender);
    EXPECT_EQ(e.message_id, c.message_id);
    EXPECT_EQ(recipients_text(e), c.recipients);
    EXPECT_EQ(e.has_original, c.has_original);
    if (c.expect_anomaly == nullptr) {
      EXPECT_TRUE(e.anomalies.empty()) << e.anomalies.front();
    } else {
      EXPECT_TRUE(has_anomaly(e, c.expect_anomaly));
    }
    ASSERT_LE(e.original_offset + e.original_size, bytes.size());
  }
}

TEST(JournalFormats, OriginalIsTheExactDepthOnePartBody) {
  // Every CRLF fixture embeds the same original; its bytes end before the delimiter's CRLF.
  for (const char* f : {"exchange-to-cc-bcc.eml", "exchange-qp-latin1.eml", "workmail.eml",
                        "exchange-ndr-wrapped.eml", "exchange-decrypted.eml"}) {
    SCOPED_TRACE(f);
    std::string bytes = fixture(f);
    JournalEnvelope e = extract_envelope(bytes, {});
    std::string_view original = std::string_view(bytes).substr(e.original_offset, e.original_size);
    if (std::string(f) != "exchange-decrypted.eml") {
      EXPECT_EQ(util::to_hex(util::sha256(original)), kOriginalSha);
    }
    EXPECT_TRUE(original.starts_with("Received: ") || original.starts_with("Received: "));
    EXPECT_TRUE(original.ends_with("\r\n"));
  }
}

TEST(JournalFormats, FlagsAndSubjects) {
  EXPECT_TRUE(extract_envelope(fixture("exchange-decrypted.eml"), {}).decrypted_copy);
  EXPECT_TRUE(extract_envelope(fixture("exchange-ndr-wrapped.eml"), {}).wrapped_in_ndr);
  EXPECT_EQ(extract_envelope(fixture("exchange-qp-latin1.eml"), {}).subject,
            "Gr\xC3\xB6\xC3\x9F"
            "enordnung der Lieferung f\xC3\xBCr das Projekt Nordstern, zweite "
            "Runde mit Korrekturen");
  EXPECT_EQ(extract_envelope(fixture("exchange-utf8-subject.eml"), {}).subject,
            "R\xC3\xA9union \xE2\x80\x94 \xE4\xBC\x9A\xE8\xAE\xAE 2026");
  EXPECT_EQ(extract_envelope(fixture("exchange-to-cc-bcc.eml"), {}).on_behalf_of,
            "pat@contoso.example");
}

TEST(JournalFormats, ReportOuterHeadersAreNotTheEnvelope) {
  // The outer To of a report is copied from the original; it must not become a recipient.
  JournalEnvelope e = extract_envelope(fixture("exchange-to-cc-bcc.eml"), {});
  for (const auto& r : e.recipients) EXPECT_NE(r.address, "sales@contoso.example");
}

TEST(JournalFormats, TenThousandRecipientLines) {
  std::string body = "Sender: pat@contoso.example\r\nSubject: big\r\nMessage-Id: <big@x>\r\n";
  for (int i = 0; i < 10000; ++i)
    body += "Recipient: r" + std::to_string(i) + "@contoso.example\r\n";
  std::string report =
      "X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
      "Content-Type: text/plain\r\n\r\n" +
      body + "\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\nbody\r\n--b--\r\n";
  JournalEnvelope e = extract_envelope(report, {});
  ASSERT_EQ(e.recipients.size(), 10000u);
  EXPECT_EQ(e.recipients.back().address, "r9999@contoso.example");
  EXPECT_TRUE(e.anomalies.empty());
}

TEST(JournalFormats, UnknownFieldsAreAnomaliesNotErrors) {
  std::string report =
      "X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n"
      "Sender: a@x\r\nX-Future-Field: 1\r\nRecipient: r@x\r\n--b--\r\n";
  JournalEnvelope e = extract_envelope(report, {});
  ASSERT_EQ(e.recipients.size(), 1u);
  EXPECT_TRUE(has_anomaly(e, "journal-unknown-field:X-Future-Field"));
}
