#include <gtest/gtest.h>

#include "journal/address_list.hpp"
#include "journal/decode.hpp"
#include "journal/extract.hpp"
#include "journal/header_block.hpp"

using namespace postjournal::journal;

TEST(AddressList, Table) {
  struct Case {
    const char* value;
    std::vector<std::string> expected;
  } cases[] = {
      {"a@x.test", {"a@x.test"}},
      {"Alice <a@x.test>, b@y.test", {"a@x.test", "b@y.test"}},
      {"\"Doe, John\" <john@x.test>", {"john@x.test"}},
      {"\"quoted,local\"@x.test, c@z.test", {"\"quoted,local\"@x.test", "c@z.test"}},
      {"team: a@x.test, B <b@x.test>;, c@x.test", {"a@x.test", "b@x.test", "c@x.test"}},
      {"a@x.test (Alice, comment), (c) b@x.test", {"a@x.test", "b@x.test"}},
      {"<@relay.test:a@x.test>", {"a@x.test"}},
      {"undisclosed-recipients:;", {}},
      {"", {}},
      {"Just A Name", {}},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_address_list(c.value), c.expected) << c.value;
}

TEST(MessageId, Normalise) {
  EXPECT_EQ(normalise_message_id(" <a@b> (comment)"), "<a@b>");
  EXPECT_EQ(normalise_message_id("a@b"), "<a@b>");
  EXPECT_EQ(normalise_message_id("  "), "");
}

TEST(HeaderBlock, UnfoldsAndFindsBody) {
  std::string m = "Subject: one\r\n two\r\nX-Empty:\r\nTo: a@x\r\n\r\nbody";
  HeaderBlock hb = parse_header_block(m);
  ASSERT_EQ(hb.fields.size(), 3u);
  EXPECT_EQ(hb.find("subject")->value, "one two");
  EXPECT_EQ(hb.find("x-empty")->value, "");
  EXPECT_EQ(m.substr(hb.body_offset), "body");
  EXPECT_TRUE(hb.anomalies.empty());
}

TEST(HeaderBlock, LfOnlyAndAnomalies) {
  HeaderBlock lf = parse_header_block("A: 1\nB: 2\n\nbody\n");
  EXPECT_EQ(lf.fields.size(), 2u);
  EXPECT_EQ(lf.body_offset, 11u);
  HeaderBlock bad = parse_header_block("no colon here\r\nA: 1\r\n");
  EXPECT_EQ(bad.fields.size(), 1u);
  EXPECT_EQ(bad.anomalies,
            (std::vector<std::string>{"malformed-header-line", "no-header-body-separator"}));
}

TEST(ExtractPlain, HeadersWhenNoSmtpEnvelope) {
  std::string m =
      "From: A <a@x.test>\r\nTo: b@x.test\r\nCc: \"C, D\" <c@x.test>\r\nBcc: hidden@x.test\r\n"
      "Subject: Hi\r\nMessage-ID: <id1@x.test>\r\n\r\nbody\r\n";
  JournalEnvelope e = extract_envelope(m, {});
  EXPECT_EQ(e.format, "plain");
  EXPECT_EQ(e.sender, "a@x.test");
  EXPECT_EQ(e.subject, "Hi");
  EXPECT_EQ(e.message_id, "<id1@x.test>");
  ASSERT_EQ(e.recipients.size(), 2u);
  EXPECT_EQ(e.recipients[1].address, "c@x.test");
  EXPECT_EQ(e.recipients[1].kind, RecipientKind::kHeader);
  EXPECT_EQ(e.original_size, m.size());
}

TEST(ExtractPlain, SmtpEnvelopeWins) {
  JournalEnvelope e = extract_envelope("From: a@x.test\r\nTo: b@x.test\r\n\r\n",
                                       {"bounce@x.test", {"r1@y.test", "r2@y.test"}});
  EXPECT_EQ(e.sender, "bounce@x.test");
  ASSERT_EQ(e.recipients.size(), 2u);
  EXPECT_EQ(e.recipients[0].kind, RecipientKind::kEnvelope);
}

TEST(ExtractPlain, TenThousandRecipientsAreAllKept) {
  std::string to;
  for (int i = 0; i < 10000; ++i)
    to += (i ? ", " : "") + std::string("r") + std::to_string(i) + "@x.test";
  JournalEnvelope e = extract_envelope("To: " + to + "\r\n\r\n", {});
  ASSERT_EQ(e.recipients.size(), 10000u);
  EXPECT_EQ(e.recipients.back().address, "r9999@x.test");
}

// 7-bit charsets are converted although every byte is ASCII (their escapes are ASCII).
TEST(Decode, SevenBitCharsetsAreConverted) {
  bool lossy = false;
  EXPECT_EQ(postjournal::journal::to_utf8("\x1b$BEl5~\x1b(B", "ISO-2022-JP", lossy),
            "\xE6\x9D\xB1\xE4\xBA\xAC");  // 東京
  EXPECT_EQ(postjournal::journal::decode_header_value("=?ISO-2022-JP?B?GyRCMnE1RBsoQg==?=", lossy),
            "\xE4\xBC\x9A\xE8\xAD\xB0");  // 会議
  EXPECT_EQ(postjournal::journal::to_utf8("plain", "us-ascii", lossy), "plain");
  EXPECT_FALSE(lossy);
}
