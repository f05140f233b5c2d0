// Retention, legal holds and erasure below the CLI: periods and globs, the configuration section,
// policy decisions, the side tables' codecs, and the engine on a real archive (purge with shared
// bytes, holds, minimum retention enforced by the archive itself, four-eyes, tombstones that
// verify and tampering that does not).
#include <gtest/gtest.h>

#include "archive/keys.hpp"
#include "archive/removal.hpp"
#include "archive/retention_store.hpp"
#include "config/config.hpp"
#include "raw_env.hpp"
#include "retention/engine.hpp"
#include "test_support.hpp"
#include "util/strings.hpp"

using namespace postjournal;
using postjournal::test::make_message;
using postjournal::test::TempDir;

namespace {

util::TimeUs at(const char* iso) {
  return *util::parse_time(iso);
}

config::Config load(const std::string& yaml) {
  return config::load_string(yaml, "t.yaml");
}

std::string config_error(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

const char* kPolicy = R"(index: {enabled: false}
retention:
  purge_batch: 2
  policies:
    - tenant: acme
      keep: 6y
      minimum: 1y
      rules:
        - {name: legal, match: {recipient: "*@legal.acme.example"}, keep: 10y}
        - {name: news, match: {sender: "news.example"}, keep: 1y, minimum: 0d}
        - {name: board, match: {source: "board-*"}, minimum: 3y}
)";

archive::Delivery delivery(const std::string& sender, const std::string& rcpt,
                           util::TimeUs received, const std::string& source = "relay") {
  archive::Delivery d;
  d.transport.received = received;
  d.transport.source = source;
  d.transport.mail_from = sender;
  d.envelope.sender = sender;
  d.envelope.recipients.push_back({rcpt, journal::RecipientKind::kTo, "", ""});
  return d;
}

}  // namespace

TEST(RetentionBasics, CalendarArithmetic) {
  EXPECT_EQ(util::add_calendar(at("2024-02-29"), 1, 0, 0), at("2025-02-28"));
  EXPECT_EQ(util::add_calendar(at("2020-01-31T10:00:00Z"), 0, 1, 0), at("2020-02-29T10:00:00Z"));
  EXPECT_EQ(util::add_calendar(at("2020-11-15"), 0, 14, 0), at("2022-01-15"));
  EXPECT_EQ(util::add_calendar(at("2020-01-01"), 0, 0, 366), at("2021-01-01"));
  EXPECT_EQ(util::add_calendar(at("2020-01-01"), 200000, 0, 0), INT64_MAX);
}

TEST(RetentionBasics, GlobsAndAddressPatterns) {
  EXPECT_TRUE(util::glob_match_icase("*@Legal.acme.example", "bob@legal.ACME.example"));
  EXPECT_FALSE(util::glob_match_icase("*@legal.acme.example", "bob@illegal.acme.example.org"));
  EXPECT_TRUE(util::glob_match_icase("b?b*", "bob"));
  EXPECT_FALSE(util::glob_match_icase("b?b", "bb"));
  EXPECT_TRUE(retention::address_matches("news.example", "x@NEWS.example"));
  EXPECT_FALSE(retention::address_matches("news.example", "x@sub.news.example"));
  EXPECT_TRUE(retention::address_matches("*.news.example", "x@sub.news.example"));
}

TEST(RetentionConfig, LoadsAndRejectsWithLines) {
  auto c = load(kPolicy);
  ASSERT_EQ(c.retention.policies.size(), 1u);
  EXPECT_EQ(c.retention.purge_batch, 2u);
  const auto& p = c.retention.policies[0];
  EXPECT_EQ(p.keep->text(), "6y");
  ASSERT_EQ(p.rules.size(), 3u);
  EXPECT_EQ(p.rules[1].match.sender, "news.example");
  EXPECT_EQ(c.retention.policy_for("other"), nullptr);
  EXPECT_EQ(load("retention: {default: {keep: 1y}}").retention.policy_for("_no-tenant"), nullptr);
  EXPECT_NE(config::render(c).find("- name: legal"), std::string::npos);

  EXPECT_EQ(config_error("retention:\n  default: {keep: 6x}\n"),
            "t.yaml:2: keep: '6x' is not a period (a number and d, m or y: 30d, 6m, 10y; or "
            "forever)");
  EXPECT_NE(config_error("retention:\n  default: {keep: 1y, minimum: 2y}\n").find("t.yaml:2:"),
            std::string::npos);
  EXPECT_NE(config_error("retention:\n  policies:\n    - tenant: acme\n      keep: 1y\n      "
                         "rules:\n        - {name: a, match: {sender: x.example}, minimum: 5y}\n")
                .find("t.yaml:6: rule 'a': minimum 5y is longer than keep 1y"),
            std::string::npos);
  EXPECT_NE(config_error("retention:\n  policies:\n    - {tenant: acme}\n    - {tenant: acme}\n")
                .find("t.yaml:4:"),
            std::string::npos);
  EXPECT_NE(config_error("retention:\n  policies:\n    - tenant: _no-tenant\n").find("t.yaml:3:"),
            std::string::npos);
  EXPECT_NE(config_error("retention:\n  default:\n    rules:\n      - {name: a}\n")
                .find("rule 'a' has no match"),
            std::string::npos);
  EXPECT_NE(config_error("retention:\n  purge_every: 5\n").find("unknown key"), std::string::npos);
}

TEST(RetentionPolicy, LongestKeepWinsAndValuesAreInherited) {
  auto c = load(kPolicy);
  util::TimeUs t0 = at("2020-03-01");
  auto plain =
      retention::decide(c.retention, "acme", delivery("a@acme.example", "b@acme.example", t0), {});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->rule, "");
  EXPECT_EQ(plain->keep_until, at("2026-03-01"));
  EXPECT_EQ(plain->minimum_until, at("2021-03-01"));

  // Legal (10y) and news (1y) both match: the longer keep wins; its minimum is the policy's.
  auto both = retention::decide(c.retention, "acme",
                                delivery("n@news.example", "x@legal.acme.example", t0), {});
  EXPECT_EQ(both->rule, "legal");
  EXPECT_EQ(both->keep_until, at("2030-03-01"));
  EXPECT_EQ(both->minimum_until, at("2021-03-01"));
  ASSERT_EQ(both->trace.size(), 3u);
  EXPECT_EQ(both->trace[1], "rule news: matches");

  auto news =
      retention::decide(c.retention, "acme", delivery("n@news.example", "b@acme.example", t0), {});
  EXPECT_EQ(news->rule, "news");
  EXPECT_EQ(news->keep_until, at("2021-03-01"));
  EXPECT_EQ(news->minimum_until, 0);

  // A rule's minimum beyond the inherited keep: kept at least until the minimum.
  auto board = retention::decide(c.retention, "acme",
                                 delivery("a@acme.example", "b@acme.example", t0, "board-mx"), {});
  EXPECT_EQ(board->rule, "board");
  EXPECT_EQ(board->minimum_until, at("2023-03-01"));
  EXPECT_EQ(board->keep_until, at("2026-03-01"));

  EXPECT_FALSE(retention::decide(c.retention, "beta", delivery("a@x", "b@y", t0), {}));
  auto d = load("retention:\n  default: {keep: forever}\n");
  EXPECT_EQ(retention::decide(d.retention, "beta", delivery("a@x", "b@y", t0), {})->keep_until, 0);
}

TEST(RetentionStore, CodecsRoundTripAndRefuseDamage) {
  archive::RetentionEntry e{"acme", "legal", "10y", "1y", 5, 6, 7, 8};
  auto be = archive::encode_retention(e);
  EXPECT_EQ(archive::decode_retention(be), e);
  EXPECT_FALSE(archive::decode_retention(be.substr(0, be.size() - 1)));
  EXPECT_FALSE(archive::decode_retention(be + "x"));
  archive::Hold h;
  h.name = "case-1";
  h.kind = "query";
  h.scope = "from:bob";
  h.reason = "litigation";
  h.released = 9;
  auto bh = archive::encode_hold(h);
  EXPECT_EQ(archive::decode_hold(bh), h);
  EXPECT_FALSE(archive::decode_hold(bh.substr(0, 12)));
  archive::ErasureRequest q;
  q.id = 3;
  q.state = "pending";
  q.erase = {1, 2};
  q.kept = {{4, "legal hold case-1"}};
  auto bq = archive::encode_erasure(q);
  EXPECT_EQ(archive::decode_erasure(bq), q);
  for (std::size_t n = 0; n < bq.size(); ++n)
    EXPECT_FALSE(archive::decode_erasure(bq.substr(0, n)));
  // An audit entry without detail keeps the bytes of the format before it existed.
  archive::AuditEntry a;
  a.action = "delete";
  std::string old = archive::encode_audit(a);
  a.detail = "policy=acme";
  std::string with = archive::encode_audit(a);
  EXPECT_EQ(with.substr(0, old.size()), old);
  EXPECT_EQ(archive::decode_audit(with)->detail, "policy=acme");
  EXPECT_EQ(archive::decode_audit(old)->detail, "");
}

class RetentionArchive : public ::testing::Test {
 protected:
  void SetUp() override { a_ = archive::Registry::instance().open(dir_.path(), acme()); }
  static archive::TenantId acme() { return *archive::TenantId::parse("acme"); }
  std::uint64_t store(const std::string& from, const std::string& to, const std::string& id,
                      util::TimeUs received, const std::string& body = "Hello.\r\n") {
    ingest::TransportFacts f;
    f.received = received;
    f.source = "relay";
    f.mail_from = from;
    f.rcpt_to = {to};
    auto m = archive::MessageBytes::from_string(make_message(from, to, "s", id, body));
    archive::Delivery d = ingest::make_delivery(f, m);
    auto r = a_->store(std::move(d), std::move(m));
    EXPECT_TRUE(r.ok()) << r.detail;
    return r.seq;
  }
  TempDir dir_;
  std::shared_ptr<archive::TenantArchive> a_;
  const retention::Actor alice{"alice (uid 1001)", 1001}, bob{"bob (uid 1002)", 1002};
};

TEST_F(RetentionArchive, SixYearsSurvivesYearFiveAndGoesInYearSeven) {
  auto c = load(kPolicy);
  util::TimeUs t0 = at("2020-01-01");
  std::uint64_t s = store("a@acme.example", "b@acme.example", "<1@x>", t0);
  auto year5 = retention::purge(*a_, c, at("2025-01-01"), true);
  EXPECT_TRUE(year5.purged.empty());
  auto year7 = retention::purge(*a_, c, at("2027-01-01"), true);
  ASSERT_EQ(year7.purged.size(), 1u);
  EXPECT_EQ(year7.purged[0].seq, s);
  EXPECT_TRUE(a_->get(s));  // a dry run removes nothing
  auto real = retention::purge(*a_, c, at("2027-01-01"), false);
  ASSERT_EQ(real.purged.size(), 1u);
  EXPECT_FALSE(a_->get(s));
  EXPECT_TRUE(a_->verify().ok());
  auto log = a_->audit();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].action, "purge");
  EXPECT_EQ(log[0].user, "retention");
  EXPECT_NE(log[0].detail.find("policy=acme rule=- keep=6y keep_until=2026-01-01T00:00:00Z"),
            std::string::npos)
      << log[0].detail;
  EXPECT_EQ(log[1].action, "purge-run");
}

TEST_F(RetentionArchive, PurgingOneOfTwoSharingBytesKeepsTheOther) {
  auto c = load(kPolicy);
  std::uint64_t old_one = store("n@news.example", "b@acme.example", "<same@x>", at("2020-01-01"));
  std::uint64_t new_one = store("n@news.example", "b@acme.example", "<same@x>", at("2026-06-01"));
  auto d = a_->get(new_one);
  ASSERT_EQ(a_->get(old_one)->content_sha256, d->content_sha256);
  auto r = retention::purge(*a_, c, at("2026-12-01"), false);
  ASSERT_EQ(r.purged.size(), 1u);
  EXPECT_EQ(r.bytes_released, 0u);
  std::string bytes;
  ASSERT_TRUE(a_->read(d->content_sha256, 0, d->size, [&](std::string_view p) { bytes += p; }));
  EXPECT_EQ(bytes.size(), d->size);
  EXPECT_TRUE(a_->verify().ok());
}

TEST_F(RetentionArchive, HoldsAndMinimumAreEnforcedByTheArchiveItself) {
  auto c = load(kPolicy);
  std::uint64_t held = store("a@acme.example", "carol@acme.example", "<h@x>", at("2015-01-01"));
  std::uint64_t young = store("a@acme.example", "dave@acme.example", "<y@x>", at("2026-11-01"));
  auto h = retention::create_hold(*a_, c, {"case-7", "address", "carol@acme.example", "suit"},
                                  alice, at("2026-12-01"));
  EXPECT_EQ(h.pinned, 1u);
  // A future delivery in scope is pinned when it is evaluated.
  std::uint64_t later = store("x@y.example", "Carol@acme.example", "<l@x>", at("2000-01-01"));
  EXPECT_EQ(retention::fix(*a_, c, at("2026-12-01")).pinned, 1u);

  auto r = retention::purge(*a_, c, at("2026-12-02"), false);
  EXPECT_TRUE(r.purged.empty());
  ASSERT_EQ(r.kept.size(), 2u);
  EXPECT_EQ(r.kept[0].why_kept, "legal hold case-7");

  archive::AuditEntry e;
  e.time = at("2026-12-02");
  e.action = "delete";
  EXPECT_THROW(a_->remove(held, e), archive::RetentionLocked);
  EXPECT_THROW(a_->remove(young, e), archive::RetentionLocked);  // minimum 1y
  EXPECT_TRUE(a_->get(held) && a_->get(young));

  EXPECT_THROW(retention::release_hold(*a_, "case-7", "", bob, at("2026-12-03")),
               std::runtime_error);
  retention::release_hold(*a_, "case-7", "settled", bob, at("2026-12-03"));
  r = retention::purge(*a_, c, at("2026-12-04"), false);
  EXPECT_EQ(r.purged.size(), 2u);
  EXPECT_FALSE(a_->get(held) || a_->get(later));
  EXPECT_TRUE(a_->verify().ok());
  EXPECT_TRUE(a_->verify_audit().ok());
}

TEST_F(RetentionArchive, ErasureNeedsASecondPersonAndRespectsMinimum) {
  auto c = load(kPolicy);
  std::uint64_t old_one = store("a@acme.example", "victim@acme.example", "<o@x>", at("2019-01-01"));
  std::uint64_t young = store("a@acme.example", "victim@acme.example", "<n@x>", at("2026-11-01"));
  auto q = retention::request_erasure(*a_, c, {"victim@acme.example", "", {}}, "Art. 17", alice,
                                      at("2026-12-01"));
  ASSERT_EQ(q.erase, std::vector<std::uint64_t>{old_one});
  ASSERT_EQ(q.kept.size(), 1u);
  EXPECT_EQ(q.kept[0].first, young);
  EXPECT_NE(q.kept[0].second.find("minimum retention until 2027-11-01"), std::string::npos);
  EXPECT_THROW(retention::approve_erasure(*a_, c, q.id, alice, at("2026-12-02")),
               std::runtime_error);
  EXPECT_TRUE(a_->get(old_one));
  auto r = retention::approve_erasure(*a_, c, q.id, bob, at("2026-12-02"));
  EXPECT_EQ(r.erased, std::vector<std::uint64_t>{old_one});
  EXPECT_FALSE(a_->get(old_one));
  EXPECT_TRUE(a_->get(young));
  EXPECT_THROW(retention::approve_erasure(*a_, c, q.id, bob, at("2026-12-02")),
               std::runtime_error);  // done
  EXPECT_TRUE(a_->verify().ok());
}

TEST_F(RetentionArchive, AlteredOrRemovedTombstoneIsFound) {
  auto c = load(kPolicy);
  std::uint64_t s = store("a@acme.example", "b@acme.example", "<1@x>", at("2010-01-01"));
  store("a@acme.example", "b@acme.example", "<2@x>", at("2026-11-01"));
  ASSERT_EQ(retention::purge(*a_, c, at("2026-12-01"), false).purged.size(), 1u);
  ASSERT_TRUE(a_->verify().ok());
  a_.reset();
  std::string dir = dir_.path() + "/acme";
  std::string tomb;
  {
    test::RawEnv raw(dir);
    tomb = raw.get("tombstones", archive::keys::seq(s));
    std::string changed = tomb;
    changed[10] ^= 1;  // inside the removed record's chain digest
    raw.put("tombstones", archive::keys::seq(s), changed);
  }
  EXPECT_FALSE(archive::Registry::instance().open(dir_.path(), acme())->verify().ok());
  {
    test::RawEnv raw(dir);
    raw.del("tombstones", archive::keys::seq(s));
  }
  auto report = archive::Registry::instance().open(dir_.path(), acme())->verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems[0].where, "acme:" + std::to_string(s));
}
