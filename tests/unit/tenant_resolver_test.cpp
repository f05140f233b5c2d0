// Resolver and SPF tests: every method, the precedence rules, inactive listeners, the connector
// validation mail, mixed-tenant recipients, hardening, and libspf2's results through its
// in-memory zone (no network).
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "tenant/resolver.hpp"

using namespace postjournal;
using namespace postjournal::tenant;
using Type = ZoneRecord::Type;

namespace {

std::shared_ptr<SpfChecker> test_zone() {
  return SpfChecker::zone({
      {"acme.test", Type::kTxt, "v=spf1 ip4:192.0.2.0/24 include:_spf.esp.test -all"},
      {"_spf.esp.test", Type::kTxt, "v=spf1 a:out.esp.test ~all"},
      {"out.esp.test", Type::kA, "198.51.100.7"},
      {"globex.test", Type::kTxt, "v=spf1 ip4:203.0.113.0/24 -all"},
      {"soft.test", Type::kTxt, "v=spf1 ~all"},
      {"neutral.test", Type::kTxt, "v=spf1 ?all"},
      {"broken.test", Type::kTxt, "v=spf1 ip4:not-an-address -all"},
      {"flaky.test", Type::kServfail, ""},
  });
}

Resolver make(const std::string& listeners_yaml, const std::string& extra = "") {
  auto cfg = std::make_shared<const config::Config>(
      config::load_string(extra + "listeners:\n" + listeners_yaml, "test.yaml"));
  return Resolver(cfg, test_zone());
}

Decision one(const Resolver& r, SessionFacts f, const std::string& rcpt) {
  auto t = r.begin(std::move(f));
  return t.rcpt(rcpt);
}

const char* kListeners = R"(
  - name: acme-spf
    tenant: acme
    auth: {method: spf, domain: acme.test}
  - name: relay-net
    tenant: net
    auth: {method: ip, ips: [10.0.0.0/8]}
  - name: relay-host
    tenant: host
    auth: {method: ip, ips: [10.1.2.3]}
  - name: shared-t1
    tenant: t1
    auth: {method: ip+domain, ips: [10.0.0.0/8], domain: t1.test}
  - name: sasl
    tenant: sasl
    auth: {method: smtp, username: journal@sasl.test}
  - name: sleeping
    tenant: sleeping
    active: false
    auth: {method: ip, ips: [172.16.0.0/12]}
)";

}  // namespace

TEST(SpfChecker, ResultsThroughTheZoneLayer) {
  auto spf = test_zone();
  struct Case {
    const char* ip;
    const char* from;
    SpfResult expected;
  } cases[] = {
      {"192.0.2.10", "a@acme.test", SpfResult::kPass},    // ip4
      {"198.51.100.7", "a@acme.test", SpfResult::kPass},  // include -> a
      {"203.0.113.9", "a@acme.test", SpfResult::kFail},   // include did not pass: -all
      {"192.0.2.10", "a@globex.test", SpfResult::kFail},  // -all
      {"192.0.2.10", "a@soft.test", SpfResult::kSoftfail},
      {"192.0.2.10", "a@neutral.test", SpfResult::kNeutral},
      {"192.0.2.10", "a@norecord.test", SpfResult::kNone},
      {"192.0.2.10", "a@broken.test", SpfResult::kPermError},
      {"192.0.2.10", "a@flaky.test", SpfResult::kTempError},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(to_string(spf->check(c.ip, c.from, "helo.test")), to_string(c.expected))
        << c.ip << " " << c.from;
  }
}

TEST(Resolver, EachMethodMatches) {
  Resolver r = make(kListeners);
  EXPECT_EQ(one(r, {"192.0.2.10", "h", "", "j@acme.test"}, "x@arch.test").tenant, "acme");
  EXPECT_EQ(one(r, {"10.9.9.9", "h", "", "a@b.test"}, "x@arch.test").tenant, "net");
  EXPECT_EQ(one(r, {"10.9.9.9", "h", "", "a@b.test"}, "archiver@t1.test").tenant, "t1");
  EXPECT_EQ(one(r, {"198.18.0.1", "h", "journal@sasl.test", "a@b.test"}, "x@arch.test").tenant,
            "sasl");
}

TEST(Resolver, PrecedenceIsMostSpecificFirst) {
  Resolver r = make(kListeners);
  // smtp beats ip; ip+domain beats ip; the longest prefix beats a shorter one.
  EXPECT_EQ(one(r, {"10.1.2.3", "h", "journal@sasl.test", "a@b.test"}, "x@t1.test").listener,
            "sasl");
  EXPECT_EQ(one(r, {"10.1.2.3", "h", "", "a@b.test"}, "x@t1.test").listener, "shared-t1");
  EXPECT_EQ(one(r, {"10.1.2.3", "h", "", "a@b.test"}, "x@other.test").listener, "relay-host");
  // ip beats spf even when SPF passes.
  Resolver both = make(R"(
  - name: by-spf
    tenant: a
    auth: {method: spf, domain: acme.test}
  - name: by-ip
    tenant: b
    auth: {method: ip, ips: [192.0.2.0/24]}
)");
  EXPECT_EQ(one(both, {"192.0.2.10", "h", "", "j@acme.test"}, "x@y.test").listener, "by-ip");
  // A recipient-hardened listener beats an unhardened one of the same method.
  Resolver hardened = make(R"(
  - name: plain
    tenant: a
    auth: {method: spf, domain: acme.test}
  - name: secret
    tenant: b
    recipient: j-7f3a@arch.test
    auth: {method: spf, domain: acme.test}
)");
  EXPECT_EQ(one(hardened, {"192.0.2.10", "h", "", "j@acme.test"}, "J-7F3A@arch.test").listener,
            "secret");
  EXPECT_EQ(one(hardened, {"192.0.2.10", "h", "", "j@acme.test"}, "other@arch.test").listener,
            "plain");
}

TEST(Resolver, InactiveListenersMatchNothing) {
  Resolver r = make(kListeners);
  Decision d = one(r, {"172.16.5.5", "h", "", "a@b.test"}, "x@y.test");
  EXPECT_EQ(d.verdict, Verdict::kUnassigned);
  bool explained = false;
  for (const auto& c : d.checks)
    explained = explained || (c.listener == "sleeping" && c.why == "inactive");
  EXPECT_TRUE(explained);
}

TEST(Resolver, UnassignedQueueOrReject) {
  EXPECT_EQ(one(make(kListeners), {"198.18.0.1", "h", "", "a@b.test"}, "x@y.test").verdict,
            Verdict::kUnassigned);
  EXPECT_EQ(
      one(make(kListeners, "unassigned: reject\n"), {"198.18.0.1", "h", "", "a@b.test"}, "x@y.test")
          .verdict,
      Verdict::kReject);
}

TEST(Resolver, ConnectorValidationMailGoesToNoTenantEvenWhenRejecting) {
  Decision d = one(make(kListeners, "unassigned: reject\n"),
                   {"10.1.2.3", "h", "", "O365ConnectorValidation@acme.onmicrosoft.com"},
                   "archiver-validation@arch.test");
  EXPECT_EQ(d.verdict, Verdict::kUnassigned);
  EXPECT_TRUE(d.connector_validation);
}

TEST(Resolver, SpfOutcomes) {
  Resolver r = make(R"(
  - name: flaky
    tenant: f
    auth: {method: spf, domain: flaky.test}
  - name: globex
    tenant: g
    auth: {method: spf, domain: globex.test}
)");
  Decision temp = one(r, {"192.0.2.10", "h", "", "a@flaky.test"}, "x@y.test");
  EXPECT_EQ(temp.verdict, Verdict::kTempfail);
  Decision fail = one(r, {"192.0.2.10", "h", "", "a@globex.test"}, "x@y.test");
  EXPECT_EQ(fail.verdict, Verdict::kUnassigned);
  EXPECT_EQ(fail.checks[1].why, "SPF fail for globex.test");
  EXPECT_EQ(one(r, {"203.0.113.5", "h", "", "a@globex.test"}, "x@y.test").tenant, "g");
}

TEST(Resolver, SecondTenantRecipientIsSplit) {
  Resolver r = make(kListeners);
  auto t = r.begin({"10.9.9.9", "h", "", "a@b.test"});
  EXPECT_EQ(t.rcpt("a@t1.test").tenant, "t1");
  EXPECT_EQ(t.rcpt("b@t1.test").verdict, Verdict::kAccept);
  EXPECT_EQ(t.rcpt("c@other.test").verdict, Verdict::kSplit);  // would be tenant "net"
  EXPECT_EQ(t.finish({}).tenant, "t1");
  auto u = r.begin({"198.18.0.1", "h", "", "a@b.test"});
  EXPECT_EQ(u.rcpt("x@y.test").verdict, Verdict::kUnassigned);
  EXPECT_EQ(u.rcpt("x@t1.test").verdict, Verdict::kUnassigned);  // still No Tenant from there
}

TEST(Resolver, MicrosoftTenantHardening) {
  Resolver r = make(R"(
  - name: acme
    tenant: acme
    microsoft_tenant: acme.onmicrosoft.com
    auth: {method: spf, domain: acme.test}
)");
  auto t = r.begin({"192.0.2.10", "h", "", "journal@acme.test"});
  ASSERT_EQ(t.rcpt("j@arch.test").verdict, Verdict::kAccept);
  EXPECT_EQ(t.finish({{"X-OriginatorOrg", "ACME.onmicrosoft.com"}}).verdict, Verdict::kAccept);
  EXPECT_EQ(t.finish({}).verdict, Verdict::kAccept);  // no header: nothing to contradict
  Decision other = t.finish({{"X-OriginatorOrg", "evil.onmicrosoft.com"}});
  EXPECT_EQ(other.verdict, Verdict::kUnassigned);
  EXPECT_TRUE(other.tenant.empty());
  EXPECT_FALSE(other.trust_journal);
}

TEST(Resolver, SpfIsEvaluatedOnlyWhenNeeded) {
  Resolver r = make(kListeners);
  auto t = r.begin({"10.9.9.9", "h", "", "a@unrelated.test"});
  t.rcpt("x@y.test");
  EXPECT_FALSE(t.spf().has_value());
  auto u = r.begin({"192.0.2.10", "h", "", "a@acme.test"});
  u.rcpt("x@y.test");
  u.rcpt("z@y.test");
  ASSERT_TRUE(u.spf().has_value());
  EXPECT_EQ(*u.spf(), SpfResult::kPass);
}
