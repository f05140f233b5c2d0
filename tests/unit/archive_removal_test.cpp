// Removal with tombstones and the audit log (archive/removal.hpp, archive/audit.hpp).
#include <gtest/gtest.h>

#include "archive/audit.hpp"
#include "archive/record_codec.hpp"
#include "test_support.hpp"
#include "util/file.hpp"

using namespace postjournal;
using namespace postjournal::archive;
using postjournal::test::make_message;
using postjournal::test::TempDir;

namespace {

std::string fixture(const std::string& name) {
  return util::read_file(std::string(SOURCE_DIR) + "/tests/data/" + name);
}

std::string read_all(const TenantArchive& a, const Delivery& d) {
  std::string out;
  EXPECT_TRUE(a.read(d.content_sha256, 0, d.size, [&out](std::string_view p) { out.append(p); }));
  return out;
}

AuditEntry entry(const std::string& reason) {
  AuditEntry e;
  e.time = 1'700'000'000'000'000;
  e.user = "tester";
  e.action = "delete";
  e.reason = reason;
  return e;
}

}  // namespace

TEST(Removal, TombstoneKeepsTheChainVerifiable) {
  TempDir dir;
  auto a = Registry::instance().open(dir.path(), TenantId::no_tenant());
  for (int i = 1; i <= 4; ++i) {
    std::string id = "<m" + std::to_string(i) + "@x.test>";
    ASSERT_TRUE(test::store(*a, make_message("a@x.test", "b@y.test", "s", id, "body " + id)).ok());
  }
  AuditEntry e = entry("spam");
  Delivery removed = a->remove(2, e);
  EXPECT_EQ(removed.envelope.message_id, "<m2@x.test>");
  EXPECT_EQ(e.seq, 1u);
  EXPECT_EQ(e.delivery, "_no-tenant:2");
  EXPECT_EQ(e.content_sha256, removed.content_sha256);
  AuditEntry tail = entry("tail");
  a->remove(4, tail);  // the chain head's own delivery
  EXPECT_FALSE(a->get(2));
  EXPECT_EQ(a->count(), 2u);
  SearchQuery q;
  q.message_id = "<m2@x.test>";
  EXPECT_TRUE(a->search(q).empty());
  q.message_id.clear();
  q.content_sha256 = removed.content_sha256;
  EXPECT_TRUE(a->search(q).empty());
  EXPECT_FALSE(a->read(removed.content_sha256, 0, 1, [](std::string_view) {}));

  VerifyReport r = a->verify();
  EXPECT_TRUE(r.ok()) << r.problems.front().where << ": " << r.problems.front().what;
  EXPECT_EQ(r.deliveries, 2u);
  EXPECT_EQ(r.removed, 2u);
  EXPECT_EQ(r.audit_entries, 2u);
  EXPECT_EQ(r.contents, 2u);

  ASSERT_TRUE(test::store(*a, make_message("a@x.test", "b@y.test", "s", "<m5@x.test>")).ok());
  EXPECT_TRUE(a->get(5));  // numbering continues after a removed tail
  EXPECT_TRUE(a->verify().ok());
  auto log = a->audit();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].reason, "spam");
  EXPECT_EQ(log[1].delivery, "_no-tenant:4");
}

TEST(Removal, RemovingTwiceOrNothingFailsAndChangesNothing) {
  TempDir dir;
  auto a = Registry::instance().open(dir.path(), TenantId::no_tenant());
  ASSERT_TRUE(test::store(*a, make_message("a@x.test", "b@y.test", "s", "<m@x.test>")).ok());
  AuditEntry e = entry("once");
  a->remove(1, e);
  AuditEntry again = entry("twice");
  try {
    a->remove(1, again);
    FAIL() << "removed twice";
  } catch (const std::runtime_error& err) {
    EXPECT_STREQ(err.what(), "_no-tenant:1 was already removed (audit entry 1)");
  }
  EXPECT_THROW(a->remove(7, again), std::runtime_error);
  EXPECT_EQ(a->audit().size(), 1u);
  EXPECT_TRUE(a->verify().ok());
}

TEST(Removal, SharedBytesStayForTheOtherDeliveries) {
  TempDir dir;
  auto a = Registry::instance().open(dir.path(), TenantId::no_tenant());
  // Two journal reports of one original share the original's blob; a plain copy is stored twice.
  std::string r1 = fixture("journal/exchange-to-cc-bcc.eml");
  std::string r2 = fixture("journal/exchange-quoted-comma.eml");
  std::string plain = fixture("plain-crlf.eml");
  for (const auto* m : {&r1, &r2, &plain, &plain}) ASSERT_TRUE(test::store(*a, *m).ok());
  auto d2 = *a->get(2);
  auto d4 = *a->get(4);
  ASSERT_NE(d2.original_sha256, d2.content_sha256);  // really split around a shared original
  AuditEntry e1 = entry("r1");
  a->remove(1, e1);
  AuditEntry e3 = entry("copy");
  a->remove(3, e3);
  EXPECT_EQ(read_all(*a, d2), r2);
  EXPECT_EQ(read_all(*a, d4), plain);
  VerifyReport r = a->verify();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.contents, 2u);
  AuditEntry e2 = entry("r2"), e4 = entry("plain");
  a->remove(2, e2);
  a->remove(4, e4);
  r = a->verify();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.contents, 0u);
  EXPECT_EQ(r.content_bytes, 0u);  // every blob went with its last user
}

TEST(Removal, AuditAndTombstoneCodecsRefuseGarbage) {
  AuditEntry e = entry("why");
  e.delivery = "_no-tenant:3";
  e.moved_to = "acme:9";
  e.content_sha256[0] = 7;
  std::string bytes = encode_audit(e);
  auto back = decode_audit(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, e);
  for (std::size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(decode_audit(bytes.substr(0, n)));
  Tombstone t{e.content_sha256, 4};
  std::string tb = encode_tombstone(t);
  ASSERT_TRUE(decode_tombstone(tb));
  EXPECT_EQ(decode_tombstone(tb)->audit_seq, 4u);
  EXPECT_FALSE(decode_tombstone(tb + "x"));
  EXPECT_FALSE(decode_tombstone(tb.substr(0, 10)));
}

TEST(Removal, AssignedFromSurvivesTheRecordCodec) {
  Delivery d;
  d.transport.source = "m365";
  d.assigned_from = "_no-tenant:12";
  Delivery back;
  ASSERT_EQ(decode_delivery(encode_delivery(d), back), "");
  EXPECT_EQ(back.assigned_from, "_no-tenant:12");
}

TEST(Retransmission, TheSameTransactionAgainIsMergedOnlyWhenAsked) {
  TempDir dir;
  auto a = Registry::instance().open(dir.path(), TenantId::no_tenant());
  std::string m = make_message("a@x.test", "b@y.test", "s", "<r@x.test>");
  auto delivery = [&](util::TimeUs received, std::vector<std::string> rcpts) {
    Delivery d;
    d.transport.received = received;
    d.transport.source = "relay";
    d.transport.mail_from = "a@x.test";
    d.transport.rcpt_to = std::move(rcpts);
    return d;
  };
  constexpr util::TimeUs kT = 1'795'000'000'000'000;
  auto first = a->store(delivery(kT, {"j@arch.test"}), MessageBytes::from_string(m), {true});
  auto again =
      a->store(delivery(kT + 3600'000'000, {"j@arch.test"}), MessageBytes::from_string(m), {true});
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_FALSE(first.retransmission);
  EXPECT_TRUE(again.retransmission);
  EXPECT_EQ(again.seq, first.seq);
  EXPECT_EQ(a->count(), 1u);
  // Other recipients, outside the window, or not asked for (an import): a new delivery.
  auto other = a->store(delivery(kT, {"k@arch.test"}), MessageBytes::from_string(m), {true});
  EXPECT_TRUE(other.ok()) << other.detail;
  EXPECT_FALSE(other.retransmission);
  EXPECT_FALSE(a->store(delivery(kT + 8 * 24 * 3600'000'000LL, {"j@arch.test"}),
                        MessageBytes::from_string(m), {true})
                   .retransmission);
  EXPECT_FALSE(a->store(delivery(kT, {"j@arch.test"}), MessageBytes::from_string(m), {false})
                   .retransmission);
  EXPECT_EQ(a->count(), 4u);
  EXPECT_TRUE(a->verify().ok());
}
