// The milter's Session without libmilter: message reconstruction, two messages in one connection,
// abort (RSET / disconnect mid-DATA) leaves no state behind, replies for split, reject, too big.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "replies.hpp"
#include "session.hpp"
#include "test_support.hpp"

using namespace postjournal;
using namespace postjournal::milter;

namespace {

std::shared_ptr<const Runtime> runtime(const std::string& root, const std::string& extra = "") {
  auto cfg = std::make_shared<const config::Config>(config::load_string(
      "milter: {memory_limit: 64K, max_message_size: 1M, spool_dir: " + root +
          "}\narchive: {root: " + root + "/archive}\n" + extra +
          "listeners:\n"
          "  - name: acme\n    tenant: acme\n    auth: {method: ip, ips: [192.0.2.0/24]}\n"
          "  - name: t1\n    tenant: t1\n    auth: {method: ip+domain, ips: [198.51.100.0/24], "
          "domain: t1.test}\n"
          "  - name: t2\n    tenant: t2\n    auth: {method: ip+domain, ips: [198.51.100.0/24], "
          "domain: t2.test}\n",
      "test.yaml"));
  return std::make_shared<const Runtime>(cfg, tenant::SpfChecker::zone({}));
}

Action act(util::Outcome o) {
  return reply_for(o).action;
}

std::string codes(util::Outcome o) {
  return std::string(reply_for(o).rcode) + " " + reply_for(o).xcode;
}

archive::TenantId acme() {
  return *archive::TenantId::parse("acme");
}

util::Outcome send(Session& s, const std::string& from, const std::string& rcpt,
                   const std::string& subject, const std::string& body) {
  s.mail_from("<" + from + ">", "");
  s.rcpt("<" + rcpt + ">");
  s.header("From", " " + from);
  s.header("Subject", " " + subject + "\n\tcontinued");
  s.end_of_headers();
  s.body(body);
  return s.end_of_message({"QID1", "TLSv1.3", "TLS_AES_256_GCM_SHA384"}, [] {});
}

// Each test: a fresh archive root, the runtime for it, the process's Service and one Session.
class MilterSession : public ::testing::Test {
 protected:
  test::TempDir dir;
  std::shared_ptr<const Runtime> rt = runtime(dir.path());
  ingest::Service svc{rt->config};
  Session s{rt, svc};
};

}  // namespace

TEST_F(MilterSession, RebuildsTheMessageAndStoresIt) {
  s.connect("192.0.2.5");
  s.helo("mx.acme.test");
  util::Outcome r = send(s, "a@acme.test", "j@arch.test", "hello", "line 1\r\nline 2\r\n");
  EXPECT_EQ(act(r), Action::kDiscard);
  auto a = svc.archive(acme());
  auto d = a->get(1);
  ASSERT_TRUE(d);
  std::string raw;
  a->read(d->content_sha256, 0, d->size, [&](std::string_view p) { raw += p; });
  EXPECT_EQ(raw, "From: a@acme.test\r\nSubject: hello\r\n\tcontinued\r\n\r\nline 1\r\nline 2\r\n");
  EXPECT_EQ(d->transport.queue_id, "QID1");
  EXPECT_EQ(d->transport.tls_version, "TLSv1.3");
  EXPECT_EQ(d->transport.helo, "mx.acme.test");
  EXPECT_EQ(d->transport.source, "acme");
}

TEST_F(MilterSession, TwoMessagesAndAnAbortDoNotBleed) {
  s.connect("192.0.2.5");
  EXPECT_EQ(act(send(s, "a@acme.test", "j@arch.test", "first", "one\r\n")), Action::kDiscard);
  // An aborted transaction (RSET, or the client vanishing mid-DATA) stores nothing.
  s.mail_from("<b@acme.test>", "");
  s.rcpt("<k@arch.test>");
  s.header("Subject", " aborted");
  s.end_of_headers();
  s.body("partial");
  s.abort();
  EXPECT_EQ(act(send(s, "c@acme.test", "l@arch.test", "third", "three\r\n")), Action::kDiscard);
  auto a = svc.archive(acme());
  ASSERT_EQ(a->count(), 2u);
  auto d = a->get(2);
  EXPECT_EQ(d->transport.mail_from, "c@acme.test");
  EXPECT_EQ(d->transport.rcpt_to, std::vector<std::string>{"l@arch.test"});
  std::string raw;
  a->read(d->content_sha256, 0, d->size, [&](std::string_view p) { raw += p; });
  EXPECT_EQ(raw.find("aborted"), std::string::npos);
  EXPECT_EQ(raw.find("first"), std::string::npos);
}

TEST_F(MilterSession, RepliesForSplitRejectAndSize) {
  s.connect("198.51.100.7");
  s.mail_from("<a@x.test>", "");
  EXPECT_EQ(act(s.rcpt("<j@t1.test>")), Action::kContinue);
  util::Outcome split = s.rcpt("<j@t2.test>");
  EXPECT_EQ(act(split), Action::kTempfail);
  EXPECT_EQ(codes(split), "452 4.5.3");

  auto strict = runtime(dir.path(), "unassigned: reject\n");
  Session r(strict, svc);
  r.connect("203.0.113.1");
  r.mail_from("<a@x.test>", "");
  util::Outcome rej = r.rcpt("<j@arch.test>");
  EXPECT_EQ(act(rej), Action::kReject);
  EXPECT_EQ(codes(rej), "550 5.7.1");

  Session big(rt, svc);
  big.connect("192.0.2.5");
  big.mail_from("<a@acme.test>", "");
  big.rcpt("<j@arch.test>");
  big.end_of_headers();
  big.body(std::string(2 << 20, 'x'));  // over max_message_size (1M)
  util::Outcome too_big = big.end_of_message({"QID2", "", ""}, [] {});
  EXPECT_EQ(codes(too_big), "552 5.3.4");
  EXPECT_EQ(svc.archive(acme())->count(), 0u);
}

TEST_F(MilterSession, SpilledMessagesAreStoredExactly) {
  s.connect("192.0.2.5");
  std::string body;
  for (int i = 0; body.size() < 300 * 1024; ++i) body += "line " + std::to_string(i) + "\r\n";
  EXPECT_EQ(act(send(s, "a@acme.test", "j@arch.test", "big", body)), Action::kDiscard);
  auto a = svc.archive(acme());
  auto d = a->get(1);
  ASSERT_TRUE(d);
  EXPECT_GT(d->size, 300u * 1024);
  std::string raw;
  a->read(d->content_sha256, 0, d->size, [&](std::string_view p) { raw += p; });
  EXPECT_TRUE(raw.ends_with(body));
  std::size_t files = 0;  // the spill file is gone
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().filename().string().rfind("message.", 0) == 0) ++files;
  }
  EXPECT_EQ(files, 0u);
}

// Found by session_fuzz: an end of message without recipients must not leave its headers behind
// for the next events (tests/data/fuzz-session/no-recipient-then-rcpt.txt is the fuzzer's input).
TEST_F(MilterSession, AnEndWithoutRecipientsLeavesNothingBehind) {
  s.connect("192.0.2.5");
  s.mail_from("<a@acme.test>", "");
  s.header("From", " a@acme.test");
  s.end_of_headers();
  s.body("first\r\n");
  EXPECT_EQ(act(s.end_of_message({"Q1", "", ""}, [] {})), Action::kTempfail);
  // A RCPT without a new MAIL FROM is refused, and its message is not stored.
  EXPECT_EQ(act(s.rcpt("<j@arch.test>")), Action::kTempfail);
  s.header("From", " b@acme.test");
  s.end_of_headers();
  s.body("second\r\n");
  EXPECT_EQ(act(s.end_of_message({"Q2", "", ""}, [] {})), Action::kTempfail);
  EXPECT_EQ(svc.archive(acme())->count(), 0u);
  // A proper transaction afterwards stores exactly its own bytes.
  EXPECT_EQ(act(send(s, "a@acme.test", "j@arch.test", "third", "third\r\n")), Action::kDiscard);
  auto a = svc.archive(acme());
  auto d = a->get(1);
  ASSERT_TRUE(d);
  std::string raw;
  a->read(d->content_sha256, 0, d->size, [&](std::string_view p) { raw += p; });
  EXPECT_EQ(raw, "From: a@acme.test\r\nSubject: third\r\n\tcontinued\r\n\r\nthird\r\n");
}

// "Never 5xx for our own failures", checked over the whole table; fixed texts, safe for
// smfi_setreply.
TEST(MilterReplies, OurFailuresAreAlwaysTemporary) {
  using util::Outcome;
  for (int i = 0; i <= static_cast<int>(Outcome::kRejected); ++i) {
    auto o = static_cast<Outcome>(i);
    const Reply& r = reply_for(o);
    std::string text = r.text;
    EXPECT_EQ(text.find_first_of("%\r\n"), std::string::npos) << util::to_string(o);
    if (util::is_our_failure(o)) {
      EXPECT_EQ(r.action, Action::kTempfail) << util::to_string(o);
      EXPECT_EQ(r.rcode[0], '4') << util::to_string(o);
      EXPECT_EQ(r.xcode[0], '4') << util::to_string(o);
    }
    if (r.action == Action::kReject) {
      EXPECT_TRUE(o == Outcome::kTooBig || o == Outcome::kRejected) << util::to_string(o);
    }
  }
  EXPECT_EQ(reply_for(Outcome::kStored).action, Action::kAccept);
  EXPECT_EQ(reply_for(Outcome::kStoredDiscard).action, Action::kDiscard);
  EXPECT_EQ(codes(Outcome::kArchiveFull), "452 4.3.1");
  EXPECT_EQ(codes(Outcome::kResolverTempfail), "451 4.7.1");
}

// A failure in a no-reply step (header, body) cannot be answered there: it is answered 451 at end
// of message, nothing is stored, and the next transaction starts clean.
TEST_F(MilterSession, AFailureInANoReplyStepIsAnsweredAtTheEnd) {
  s.connect("192.0.2.5");
  s.mail_from("<a@acme.test>", "");
  EXPECT_EQ(s.stage(), Session::Stage::kEnvelope);
  s.rcpt("<j@arch.test>");
  s.header("Subject", " x");
  EXPECT_EQ(s.stage(), Session::Stage::kData);
  s.fail_later("header: simulated");
  s.end_of_headers();
  s.body("body\r\n");
  EXPECT_EQ(s.end_of_message({"Q1", "", ""}, [] {}), util::Outcome::kInternal);
  EXPECT_EQ(s.stage(), Session::Stage::kIdle);
  EXPECT_EQ(svc.archive(acme())->count(), 0u);
  EXPECT_EQ(act(send(s, "a@acme.test", "j@arch.test", "next", "ok\r\n")), Action::kDiscard);
  EXPECT_EQ(svc.archive(acme())->count(), 1u);
}

// Postfix renames a leading mbox "From " line to X-Mailbox-Line: on some paths (over SMTP it
// removes it, tests/integration/milter_hostile_e2e.sh): when that field comes first, the delivery
// says so.
TEST_F(MilterSession, FlagsAnMboxLineThatPostfixRenamed) {
  s.connect("192.0.2.5");
  s.mail_from("<a@acme.test>", "");
  s.rcpt("<j@arch.test>");
  s.header("X-Mailbox-Line", " From a@acme.test Mon Jan  1 00:00:00 2024");
  s.header("Subject", " x");
  s.end_of_headers();
  s.body("b\r\n");
  EXPECT_EQ(s.end_of_message({"Q1", "", ""}, [] {}), util::Outcome::kStoredDiscard);
  auto d = svc.archive(acme())->get(1);
  ASSERT_TRUE(d);
  EXPECT_NE(std::find(d->anomalies.begin(), d->anomalies.end(), "mbox-from-line-renamed-by-mta"),
            d->anomalies.end());
  ASSERT_TRUE(s.last_report());
  EXPECT_EQ(s.last_report()->id(), "acme:1");
}

// Found by session_fuzz (tests/data/fuzz-session/body-before-headers.txt): a body chunk before
// the end of headers cannot be stored in order; the message is refused (451), never stored
// without the chunk.
TEST_F(MilterSession, ABodyBeforeTheHeadersIsRefused) {
  s.connect("192.0.2.5");
  s.mail_from("<a@acme.test>", "");
  s.body("early\r\n");
  EXPECT_EQ(s.rcpt("<j@arch.test>"), util::Outcome::kContinue);
  EXPECT_EQ(s.end_of_message({"Q1", "", ""}, [] {}), util::Outcome::kInternal);
  EXPECT_EQ(svc.archive(acme())->count(), 0u);
}
