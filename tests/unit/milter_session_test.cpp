// The milter's Session without libmilter: message reconstruction, two messages in one connection,
// abort (RSET / disconnect mid-DATA) leaves no state behind, replies for split, reject, too big.
#include <gtest/gtest.h>

#include <filesystem>

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

Reply send(Session& s, const std::string& from, const std::string& rcpt, const std::string& subject,
           const std::string& body) {
  s.mail_from("<" + from + ">", "");
  s.rcpt("<" + rcpt + ">");
  s.header("From", " " + from);
  s.header("Subject", " " + subject + "\n\tcontinued");
  s.end_of_headers();
  s.body(body);
  return s.end_of_message({"QID1", "TLSv1.3", "TLS_AES_256_GCM_SHA384"}, [] {});
}

}  // namespace

TEST(MilterSession, RebuildsTheMessageAndStoresIt) {
  test::TempDir dir;
  auto rt = runtime(dir.path());
  Session s(rt);
  s.connect("192.0.2.5");
  s.helo("mx.acme.test");
  Reply r = send(s, "a@acme.test", "j@arch.test", "hello", "line 1\r\nline 2\r\n");
  EXPECT_EQ(r.action, Action::kDiscard);
  auto a = rt->archive_for("acme");
  auto d = a->get(1);
  ASSERT_TRUE(d);
  std::string raw;
  a->read(d->content_sha256, 0, d->size, [&](std::string_view p) { raw += p; });
  EXPECT_EQ(raw, "From: a@acme.test\r\nSubject: hello\r\n\tcontinued\r\n\r\nline 1\r\nline 2\r\n");
  EXPECT_EQ(d->queue_id, "QID1");
  EXPECT_EQ(d->tls_version, "TLSv1.3");
  EXPECT_EQ(d->helo, "mx.acme.test");
  EXPECT_EQ(d->source, "acme");
}

TEST(MilterSession, TwoMessagesAndAnAbortDoNotBleed) {
  test::TempDir dir;
  auto rt = runtime(dir.path());
  Session s(rt);
  s.connect("192.0.2.5");
  EXPECT_EQ(send(s, "a@acme.test", "j@arch.test", "first", "one\r\n").action, Action::kDiscard);
  // An aborted transaction (RSET, or the client vanishing mid-DATA) stores nothing.
  s.mail_from("<b@acme.test>", "");
  s.rcpt("<k@arch.test>");
  s.header("Subject", " aborted");
  s.end_of_headers();
  s.body("partial");
  s.abort();
  EXPECT_EQ(send(s, "c@acme.test", "l@arch.test", "third", "three\r\n").action, Action::kDiscard);
  auto a = rt->archive_for("acme");
  ASSERT_EQ(a->count(), 2u);
  auto d = a->get(2);
  EXPECT_EQ(d->mail_from, "c@acme.test");
  EXPECT_EQ(d->rcpt_to, std::vector<std::string>{"l@arch.test"});
  std::string raw;
  a->read(d->content_sha256, 0, d->size, [&](std::string_view p) { raw += p; });
  EXPECT_EQ(raw.find("aborted"), std::string::npos);
  EXPECT_EQ(raw.find("first"), std::string::npos);
}

TEST(MilterSession, RepliesForSplitRejectAndSize) {
  test::TempDir dir;
  auto rt = runtime(dir.path());
  Session s(rt);
  s.connect("198.51.100.7");
  s.mail_from("<a@x.test>", "");
  EXPECT_EQ(s.rcpt("<j@t1.test>").action, Action::kContinue);
  Reply split = s.rcpt("<j@t2.test>");
  EXPECT_EQ(split.action, Action::kTempfail);
  EXPECT_EQ(split.rcode + " " + split.xcode, "452 4.5.3");

  auto strict = runtime(dir.path(), "unassigned: reject\n");
  Session r(strict);
  r.connect("203.0.113.1");
  r.mail_from("<a@x.test>", "");
  Reply rej = r.rcpt("<j@arch.test>");
  EXPECT_EQ(rej.action, Action::kReject);
  EXPECT_EQ(rej.rcode + " " + rej.xcode, "550 5.7.1");

  Session big(rt);
  big.connect("192.0.2.5");
  big.mail_from("<a@acme.test>", "");
  big.rcpt("<j@arch.test>");
  big.end_of_headers();
  big.body(std::string(2 << 20, 'x'));  // over max_message_size (1M)
  Reply too_big = big.end_of_message({"QID2", "", ""}, [] {});
  EXPECT_EQ(too_big.rcode, "552");
  EXPECT_EQ(rt->archive_for("acme")->count(), 0u);
}

TEST(MilterSession, SpilledMessagesAreStoredExactly) {
  test::TempDir dir;
  auto rt = runtime(dir.path());
  Session s(rt);
  s.connect("192.0.2.5");
  std::string body;
  for (int i = 0; body.size() < 300 * 1024; ++i) body += "line " + std::to_string(i) + "\r\n";
  EXPECT_EQ(send(s, "a@acme.test", "j@arch.test", "big", body).action, Action::kDiscard);
  auto a = rt->archive_for("acme");
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
TEST(MilterSession, AnEndWithoutRecipientsLeavesNothingBehind) {
  test::TempDir dir;
  auto rt = runtime(dir.path());
  Session s(rt);
  s.connect("192.0.2.5");
  s.mail_from("<a@acme.test>", "");
  s.header("From", " a@acme.test");
  s.end_of_headers();
  s.body("first\r\n");
  EXPECT_EQ(s.end_of_message({"Q1", "", ""}, [] {}).action, Action::kTempfail);
  // A RCPT without a new MAIL FROM is refused, and its message is not stored.
  EXPECT_EQ(s.rcpt("<j@arch.test>").action, Action::kTempfail);
  s.header("From", " b@acme.test");
  s.end_of_headers();
  s.body("second\r\n");
  EXPECT_EQ(s.end_of_message({"Q2", "", ""}, [] {}).action, Action::kTempfail);
  EXPECT_EQ(rt->archive_for("acme")->count(), 0u);
  // A proper transaction afterwards stores exactly its own bytes.
  EXPECT_EQ(send(s, "a@acme.test", "j@arch.test", "third", "third\r\n").action, Action::kDiscard);
  auto a = rt->archive_for("acme");
  auto d = a->get(1);
  ASSERT_TRUE(d);
  std::string raw;
  a->read(d->content_sha256, 0, d->size, [&](std::string_view p) { raw += p; });
  EXPECT_EQ(raw, "From: a@acme.test\r\nSubject: third\r\n\tcontinued\r\n\r\nthird\r\n");
}
