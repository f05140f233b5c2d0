#include <gtest/gtest.h>
#include <lmdb.h>

#include <set>
#include <thread>

#include "archive/keys.hpp"
#include "archive/record_codec.hpp"
#include "raw_env.hpp"
#include "test_support.hpp"

using namespace postjournal;
using namespace postjournal::archive;
using postjournal::test::make_message;
using postjournal::test::RawEnv;
using postjournal::test::TempDir;

namespace {

TenantId acme() {
  return *TenantId::parse("acme");
}

std::string read_all(const TenantArchive& a, const Delivery& d) {
  std::string out;
  EXPECT_TRUE(a.read(d.content_sha256, 0, d.size, [&out](std::string_view p) { out.append(p); }));
  return out;
}

}  // namespace

TEST(Archive, RoundTripIsByteIdenticalIncludingLargeMessages) {
  TempDir dir;
  auto a = Registry::instance().open(dir.path(), acme());
  std::string small = make_message("a@x.test", "b@x.test", "small", "<s@x>");
  std::string large = make_message("a@x.test", "b@x.test", "large", "<l@x>", "");
  for (int i = 0; large.size() < 3 * keys::kChunkSize + 123; ++i) {
    large +=
        "line " + std::to_string(i) + std::string(70, static_cast<char>('a' + i % 26)) + "\r\n";
  }
  large.push_back('\0');  // NUL bytes are kept as they are
  for (const std::string* m : {&small, &large}) {
    StoreResult r = test::store(*a, *m);
    ASSERT_TRUE(r.ok()) << r.detail;
    auto d = a->get(r.seq);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->size, m->size());
    EXPECT_EQ(d->content_sha256, util::sha256(*m));
    EXPECT_EQ(read_all(*a, *d), *m);
  }
  std::string middle;
  auto d = a->get(2);
  a->read(d->content_sha256, keys::kChunkSize - 5, 10, [&](std::string_view p) { middle += p; });
  EXPECT_EQ(middle, large.substr(keys::kChunkSize - 5, 10));
}

TEST(Archive, DuplicateContentIsStoredOnceWithTwoDeliveries) {
  TempDir dir;
  auto a = Registry::instance().open(dir.path(), acme());
  std::string m = make_message("a@x.test", "b@x.test", "dup", "<dup@x>");
  StoreResult first = test::store(*a, m, 1000);
  StoreResult second = test::store(*a, m, 2000, "other-source");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_FALSE(first.content_existed);
  EXPECT_TRUE(second.content_existed);
  EXPECT_NE(first.seq, second.seq);
  VerifyReport v = a->verify();
  EXPECT_EQ(v.deliveries, 2u);
  EXPECT_EQ(v.contents, 1u);
  EXPECT_EQ(v.content_bytes, m.size());
  EXPECT_EQ(a->get(second.seq)->transport.source, "other-source");
}

TEST(Archive, EveryIndexFindsWhatItShould) {
  TempDir dir;
  auto a = Registry::instance().open(dir.path(), acme());
  const util::TimeUs day = 86400LL * 1000000;
  ASSERT_TRUE(
      test::store(*a, make_message("Ann <ann@x.test>", "bob@y.test", "1", "<one@x>"), 10 * day)
          .ok());
  ASSERT_TRUE(
      test::store(*a, make_message("cat@x.test", "Bob <BOB@y.test>, dan@y.test", "2", "<two@x>"),
                  20 * day)
          .ok());
  ASSERT_TRUE(
      test::store(*a, make_message("eve@x.test", "fay@y.test", "3", "<three@x>"), 30 * day).ok());

  auto seqs = [](const std::vector<Delivery>& v) {
    std::vector<std::uint64_t> s;
    for (const auto& d : v) s.push_back(d.seq);
    return s;
  };
  using V = std::vector<std::uint64_t>;
  EXPECT_EQ(seqs(a->list({}, 0)), (V{3, 2, 1}));
  EXPECT_EQ(seqs(a->list({}, 2)), (V{3, 2}));
  EXPECT_EQ(seqs(a->list({20 * day, 30 * day}, 0)), (V{2}));
  EXPECT_EQ(seqs(a->list({std::nullopt, 20 * day}, 0)), (V{1}));

  SearchQuery q;
  q.address = "bob@Y.TEST";
  EXPECT_EQ(seqs(a->search(q)), (V{2, 1}));
  q.range.since = 15 * day;
  EXPECT_EQ(seqs(a->search(q)), (V{2}));
  SearchQuery by_id;
  by_id.message_id = "two@x";
  EXPECT_EQ(seqs(a->search(by_id)), (V{2}));
  by_id.message_id = "<nope@x>";
  EXPECT_TRUE(a->search(by_id).empty());
  SearchQuery by_hash;
  by_hash.content_sha256 = a->get(3)->content_sha256;
  EXPECT_EQ(seqs(a->search(by_hash)), (V{3}));
  SearchQuery sender;
  sender.address = "ann@x.test";
  EXPECT_EQ(seqs(a->search(sender)), (V{1}));
}

TEST(Archive, TenantIdsThatAreNotSafeNamesAreRefused) {
  for (const std::string& bad :
       {std::string("../x"), std::string(".."), std::string(), std::string("Acme"),
        std::string("a/b"), std::string("-acme"), std::string("a b"), std::string("_no-tenant"),
        std::string("x\0y", 3)}) {
    EXPECT_FALSE(TenantId::parse(bad).has_value()) << bad;
  }
  EXPECT_FALSE(TenantId::parse(std::string(64, 'a')).has_value());
  EXPECT_TRUE(TenantId::parse(std::string(63, 'a')).has_value());
  EXPECT_TRUE(TenantId::parse("acme-2").has_value());
  EXPECT_TRUE(TenantId::parse_any("_no-tenant")->is_no_tenant());
  EXPECT_FALSE(DeliveryId::parse("../x:1").has_value());
  EXPECT_FALSE(DeliveryId::parse("acme:0").has_value());
  EXPECT_EQ(DeliveryId::parse("_no-tenant:7")->str(), "_no-tenant:7");
}

TEST(Archive, RegistryGivesOneEnvironmentPerDirectory) {
  TempDir dir;
  auto a = Registry::instance().open(dir.path(), acme());
  auto b = Registry::instance().open(dir.path() + "/./", acme());
  auto c = Registry::instance().open(dir.path(), TenantId::no_tenant());
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), c.get());
  EXPECT_EQ(list_tenants(dir.path()), (std::vector<TenantId>{TenantId::no_tenant(), acme()}));
}

TEST(Archive, ConcurrentProducersAreGroupCommitted) {
  TempDir dir;
  auto a = Registry::instance().open(dir.path(), acme());
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::uint64_t>> seqs(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = test::store(
            *a, make_message("a@x", "b@y", "t",
                             "<" + std::to_string(t) + "." + std::to_string(i) + "@x>"));
        if (r.ok()) seqs[static_cast<std::size_t>(t)].push_back(r.seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> all;
  for (const auto& s : seqs) all.insert(s.begin(), s.end());
  EXPECT_EQ(all.size(), std::size_t{kThreads * kEach});
  EXPECT_EQ(*all.rbegin(), std::uint64_t{kThreads * kEach});
  EXPECT_TRUE(a->verify().ok());
  EXPECT_LE(a->writer_stats().commits, a->writer_stats().deliveries);
}

TEST(Archive, RecordFromANewerVersionGivesAClearError) {
  Delivery d;
  d.transport.source = "x";
  std::string bytes = encode_delivery(d);
  Delivery back;
  EXPECT_EQ(decode_delivery(bytes, back), "");
  EXPECT_EQ(back, d);
  bytes[5] = static_cast<char>(kRecordVersion + 1);
  EXPECT_NE(decode_delivery(bytes, back).find("newer than this program"), std::string::npos);
  EXPECT_NE(decode_delivery(encode_delivery(d).substr(0, 12), back).find("corrupt"),
            std::string::npos);
}

TEST(Archive, FetchedMessagesAreRememberedWithTheirDelivery) {
  TempDir dir;
  auto a = Registry::instance().open(dir.path(), acme());
  Delivery d;
  d.transport.source = "m365-journal";
  d.transport.fetch_server = "imap.example:993";
  d.transport.fetch_protocol = "imaps";
  d.transport.fetch_uid = "imap 1700000000 42";
  d.transport.tls_peer = "sha256:00 verified";
  auto r = a->store(d, MessageBytes::from_string("Subject: x\r\n\r\nbody\r\n"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(a->fetched("m365-journal", "imap.example:993", "imap 1700000000 42"), r.seq);
  EXPECT_FALSE(a->fetched("m365-journal", "imap.example:993", "imap 1700000001 42"));
  EXPECT_FALSE(a->fetched("m365-journal", "other:993", "imap 1700000000 42"));
  EXPECT_FALSE(a->fetched("other", "imap.example:993", "imap 1700000000 42"));
  auto back = a->get(r.seq);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->transport.fetch_uid, d.transport.fetch_uid);
  EXPECT_EQ(back->transport.tls_peer, d.transport.tls_peer);
  EXPECT_TRUE(a->verify().ok());
}

TEST(Archive, OlderRecordVersionsDecodeWithoutTheirLaterFields) {
  Delivery d;
  d.transport.source = "x";
  d.transport.fetch_uid = "pop3 abc";
  d.assigned_from = "_no-tenant:3";
  d.transport.fetch_mailbox = "alice@acme.example";
  d.transport.fetch_folder = "Inbox/Projects";
  d.transport.fidelity = "provider-mime";
  std::string v4 = encode_delivery(d);
  // Each older version is the newer layout without the strings that version added at the end
  // (here all empty: one length byte each): version 3 lacks the three provider fields, version 2
  // also assigned_from, version 1 also the four fetch strings.
  Delivery v3_fields = d;
  v3_fields.transport.fetch_mailbox.clear();
  v3_fields.transport.fetch_folder.clear();
  v3_fields.transport.fidelity.clear();
  std::string v3 = encode_delivery(v3_fields);
  v3.resize(v3.size() - 3);
  v3[5] = 3;
  Delivery v2_fields = v3_fields;
  v2_fields.assigned_from.clear();
  std::string v2 = encode_delivery(v2_fields);
  v2.resize(v2.size() - 4);
  v2[5] = 2;
  Delivery plain = v2_fields;
  plain.transport.fetch_uid.clear();
  std::string v1 = encode_delivery(plain);
  v1.resize(v1.size() - 8);
  v1[5] = 1;
  Delivery back;
  ASSERT_EQ(decode_delivery(v1, back), "");
  EXPECT_EQ(back, plain);
  ASSERT_EQ(decode_delivery(v2, back), "");
  EXPECT_EQ(back, v2_fields);
  ASSERT_EQ(decode_delivery(v3, back), "");
  EXPECT_EQ(back, v3_fields);
  ASSERT_EQ(decode_delivery(v4, back), "");
  EXPECT_EQ(back, d);
}

class Tamper : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = Registry::instance().open(dir_.path(), acme());
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(test::store(*a, make_message("a@x", "b@y", "s" + std::to_string(i),
                                               "<" + std::to_string(i) + "@x>"))
                      .ok());
    }
    ASSERT_TRUE(a->verify().ok());
    sha_ = a->get(2)->content_sha256;
  }
  VerifyReport verify() { return Registry::instance().open(dir_.path(), acme())->verify(); }
  std::string env_dir() const { return dir_.path() + "/acme"; }

  TempDir dir_;
  util::Digest sha_{};
};

TEST_F(Tamper, FlippedContentByteIsFoundAndNamed) {
  {
    RawEnv raw(env_dir());
    auto row = decode_blob_row(raw.get("blobs", std::string(util::as_bytes(sha_))));
    ASSERT_TRUE(row && row->version == 2);
    std::string chunk = raw.get("pieces", keys::piece(row->id, 0, 0));
    chunk[10] ^= 1;
    raw.put("pieces", keys::piece(row->id, 0, 0), chunk);
  }
  VerifyReport r = verify();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].where.rfind("acme:2 (blob ", 0), 0u) << r.problems[0].where;
  EXPECT_NE(r.problems[0].what.find("do not match"), std::string::npos) << r.problems[0].what;
}

TEST_F(Tamper, EditedRecordIsFoundAndNamed) {
  {
    RawEnv raw(env_dir());
    Delivery d;
    ASSERT_EQ(decode_delivery(raw.get("deliveries", keys::seq(3)), d), "");
    d.envelope.subject = "innocent";
    raw.put("deliveries", keys::seq(3), encode_delivery(d));
  }
  VerifyReport r = verify();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].where, "acme:3");
}

TEST_F(Tamper, RemovedDeliveryIsFoundAndNamed) {
  {
    RawEnv raw(env_dir());
    raw.del("deliveries", keys::seq(2));
    raw.del("chain", keys::seq(2));
  }
  VerifyReport r = verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problems[0].where, "acme:2");
  EXPECT_EQ(r.problems[0].what, "delivery was removed");
}

TEST_F(Tamper, RemovedLastDeliveryIsFound) {
  {
    RawEnv raw(env_dir());
    raw.del("deliveries", keys::seq(4));
  }
  VerifyReport r = verify();
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].where, "acme:4");
  // Its blob still counts the removed delivery as a live user.
  EXPECT_NE(r.problems[1].what.find("counts 1 live deliveries, 0 use it"), std::string::npos)
      << r.problems[1].what;
}
