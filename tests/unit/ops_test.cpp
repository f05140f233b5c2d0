// Alert episodes (state/alerts.hpp) and the Prometheus rendering (metrics/metrics.hpp).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "metrics/metrics.hpp"
#include "stamp/check.hpp"
#include "state/alerts.hpp"
#include "test_support.hpp"
#include "util/file.hpp"

using namespace postjournal;
using postjournal::test::TempDir;

namespace {
constexpr util::TimeUs kHour = 3600LL * 1000000;
constexpr util::TimeUs kT0 = 1795000000LL * 1000000;  // 2026-11-18

config::Config one_listener(const std::string& dir) {
  config::Config c = config::defaults();
  config::Listener l;
  l.name = "smtp-acme";
  l.tenant = "acme";
  l.allowed_inactivity_hours = 4;
  c.listeners.push_back(l);
  c.alerts_email = "ops@example.test";
  c.alerts_sendmail = dir + "/sendmail " + dir + "/out";  // writes each mail to out.N
  return c;
}

// A sendmail stand-in that keeps what it is given: a real program, run as the product runs it.
void write_sendmail(const std::string& dir, int exit_status) {
  std::ofstream(dir + "/sendmail") << "#!/bin/sh\nn=$(ls \"$1\".* 2>/dev/null | wc -l)\n"
                                   << "shift; echo \"$@\" >\"$0.args\"; cat >\"" << dir
                                   << "/out.$n\"\nexit " << exit_status << "\n";
  ::chmod((dir + "/sendmail").c_str(), 0755);
}

int mails(const std::string& dir) {
  int n = 0;
  struct stat st {};
  while (::stat((dir + "/out." + std::to_string(n)).c_str(), &st) == 0) ++n;
  return n;
}
}  // namespace

TEST(Alerts, OneAlertAndOneRecoveryPerEpisode) {
  TempDir dir;
  write_sendmail(dir.path(), 0);
  auto c = one_listener(dir.path());
  auto store = std::make_unique<state::StateStore>(dir.path());
  store->record_message("smtp-acme", kT0, "acme:1", 10);
  EXPECT_EQ(state::check_alerts(c, *store, kT0 + kHour).alerts, 0u);  // OK
  auto o = state::check_alerts(c, *store, kT0 + 5 * kHour);           // INACTIVE
  EXPECT_EQ(o.alerts, 1u);
  EXPECT_EQ(state::check_alerts(c, *store, kT0 + 6 * kHour).alerts, 0u);  // same episode
  ASSERT_EQ(mails(dir.path()), 1);
  std::string mail = util::read_file(dir.path() + "/out.0");
  EXPECT_NE(mail.find("To: ops@example.test\r\n"), std::string::npos);
  EXPECT_NE(mail.find("Subject: [postjournal] INACTIVE: listener smtp-acme (tenant acme)\r\n"),
            std::string::npos);
  EXPECT_NE(mail.find("Date: Wed, 18 Nov 2026 "), std::string::npos);
  EXPECT_NE(mail.find("no message archived for more than 4 hours"), std::string::npos);
  EXPECT_EQ(util::read_file(dir.path() + "/sendmail.args"), "-i ops@example.test\n");

  store->record_message("smtp-acme", kT0 + 7 * kHour, "acme:2", 10);
  EXPECT_EQ(state::check_alerts(c, *store, kT0 + 7 * kHour).recoveries, 1u);
  EXPECT_EQ(state::check_alerts(c, *store, kT0 + 8 * kHour).recoveries, 0u);
  ASSERT_EQ(mails(dir.path()), 2);
  EXPECT_NE(util::read_file(dir.path() + "/out.1").find("Subject: [postjournal] RECOVERED: "),
            std::string::npos);

  store->record_failure("smtp-acme", kT0 + 9 * kHour, "archive full");  // FAILING: new episode
  EXPECT_EQ(state::check_alerts(c, *store, kT0 + 9 * kHour).alerts, 1u);
  EXPECT_NE(util::read_file(dir.path() + "/out.2").find("latest attempt failed: archive full"),
            std::string::npos);
}

TEST(Alerts, AFailedSendmailIsRetriedAndNeverCountsAsSent) {
  TempDir dir;
  write_sendmail(dir.path(), 75);
  auto c = one_listener(dir.path());
  auto store = std::make_unique<state::StateStore>(dir.path());
  store->record_message("smtp-acme", kT0, "acme:1", 10);
  auto o = state::check_alerts(c, *store, kT0 + 5 * kHour);
  EXPECT_EQ(o.alerts, 0u);
  EXPECT_EQ(o.failed, 1u);
  EXPECT_EQ(store->get("smtp-acme").alerted, 0);
  write_sendmail(dir.path(), 0);
  EXPECT_EQ(state::check_alerts(c, *store, kT0 + 5 * kHour).alerts, 1u);
  EXPECT_NE(store->get("smtp-acme").alerted, 0);
}

TEST(Alerts, NeverAndDisabledAreNotAlertsAndLogOnlyNeedsNoMail) {
  TempDir dir;
  auto c = one_listener(dir.path());
  c.alerts_email.clear();
  c.alerts_sendmail = "/nonexistent/sendmail";
  auto store = std::make_unique<state::StateStore>(dir.path());
  EXPECT_EQ(state::check_alerts(c, *store, kT0).alerts, 0u);  // NEVER
  store->record_message("smtp-acme", kT0, "acme:1", 10);
  EXPECT_EQ(state::check_alerts(c, *store, kT0 + 5 * kHour).alerts, 1u);  // logged only
  c.listeners[0].active = false;
  auto o = state::check_alerts(c, *store, kT0 + 6 * kHour);  // DISABLED ends it silently
  EXPECT_EQ(o.recoveries, 0u);
  EXPECT_EQ(store->get("smtp-acme").alerted, 0);
}

TEST(Metrics, RendersCountersHistogramAndEscapedLabels) {
  metrics::Registry r;
  r.stored("acme", "m365 \"main\"", 100, 0.003);
  r.stored("acme", "m365 \"main\"", 50, 0.2);
  r.stored("globex", "relay", 7, 45);
  r.tempfail(metrics::Tempfail::kArchiveFull);
  metrics::Gauges g;
  g.no_tenant_queue = 3;
  state::SourceStatus s;
  s.name = "relay";
  s.kind = "listener";
  s.tenant = "globex";
  s.state.last_message = kT0;
  s.health = state::Health::kInactive;
  g.sources.push_back(s);
  g.indexes.push_back({"acme", 12, 2, 30, 1});
  g.stamps.push_back({"acme", 10, 4, 42, 1795000000});
  std::string text = r.render(g);
  auto has = [&text](const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
  };
  EXPECT_TRUE(
      has(R"(postjournal_archived_messages_total{tenant="acme",listener="m365 \"main\""} 2)"));
  EXPECT_TRUE(
      has(R"(postjournal_archived_bytes_total{tenant="acme",listener="m365 \"main\""} 150)"));
  EXPECT_TRUE(has(R"(postjournal_tempfails_total{reason="archive_full"} 1)"));
  EXPECT_TRUE(has(R"(postjournal_tempfails_total{reason="resolver"} 0)"));
  EXPECT_TRUE(has(R"(postjournal_commit_seconds_bucket{le="0.005"} 1)"));
  EXPECT_TRUE(has(R"(postjournal_commit_seconds_bucket{le="0.25"} 2)"));
  EXPECT_TRUE(has(R"(postjournal_commit_seconds_bucket{le="30"} 2)"));
  EXPECT_TRUE(has(R"(postjournal_commit_seconds_bucket{le="+Inf"} 3)"));
  EXPECT_TRUE(has("postjournal_commit_seconds_count 3"));
  EXPECT_TRUE(has("postjournal_no_tenant_queue 3"));
  EXPECT_TRUE(has(
      R"(postjournal_source_last_seen_timestamp_seconds{source="relay",kind="listener",tenant="globex"} 1795000000)"));
  EXPECT_TRUE(has(
      R"(postjournal_source_state{source="relay",kind="listener",tenant="globex",state="INACTIVE"} 1)"));
  EXPECT_TRUE(has(
      R"(postjournal_source_state{source="relay",kind="listener",tenant="globex",state="OK"} 0)"));
  EXPECT_TRUE(has(R"(postjournal_index_lag_deliveries{tenant="acme"} 2)"));
  EXPECT_TRUE(has(R"(postjournal_timestamp_stamped_deliveries{tenant="acme"} 10)"));
  EXPECT_TRUE(has(R"(postjournal_timestamp_unstamped{tenant="acme"} 4)"));
  EXPECT_TRUE(has(R"(postjournal_timestamp_gap_seconds{tenant="acme"} 42)"));
  EXPECT_TRUE(
      has(R"(postjournal_timestamp_last_success_timestamp_seconds{tenant="acme"} 1795000000)"));
  EXPECT_EQ(metrics::label_value("a\\b\nc"), "a\\\\b\\nc");
}

TEST(Metrics, ReplaceFileNeverLeavesAPartialFile) {
  TempDir dir;
  std::string path = dir.path() + "/m.prom";
  util::replace_file(path, "one\n", 0644);
  util::replace_file(path, "two\n", 0644);
  EXPECT_EQ(util::read_file(path), "two\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_THROW(util::replace_file(dir.path() + "/missing/m.prom", "x", 0644), std::system_error);
}

TEST(Alerts, ATimestampGapIsAlertedOnceAndRecovers) {
  TempDir dir;
  write_sendmail(dir.path(), 0);
  auto c = one_listener(dir.path());
  c.timestamp_url = "http://127.0.0.1:9/";
  c.timestamp_alert_after = 3600;
  auto store = std::make_unique<state::StateStore>(dir.path());
  store->record_message("smtp-acme", kT0 + 5 * kHour, "acme:9", 10);  // the listener is OK
  auto acme = *archive::TenantId::parse("acme");
  stamp::Gap gap;
  gap.unstamped = 4;
  gap.oldest_unstamped = kT0;
  store->record_failure(stamp::row_name(acme), kT0 + 5 * kHour, "TSA unreachable: refused");
  auto rows = [&](util::TimeUs now) {
    return std::vector<state::SourceStatus>{
        stamp::stamp_row(c, acme, gap, store->get(stamp::row_name(acme)), now)};
  };
  util::TimeUs now = kT0 + 5 * kHour;
  EXPECT_EQ(state::check_alerts(c, *store, now, rows(now)).alerts, 1u);
  EXPECT_EQ(state::check_alerts(c, *store, now + kHour, rows(now + kHour)).alerts, 0u);
  ASSERT_EQ(mails(dir.path()), 1);
  std::string mail = util::read_file(dir.path() + "/out.0");
  EXPECT_NE(mail.find("Subject: [postjournal] FAILING: timestamp timestamp:acme (tenant acme)"),
            std::string::npos)
      << mail;
  EXPECT_NE(mail.find("TSA unreachable: refused (4 deliveries and 0 audit entries not stamped "
                      "since 2026-11-18T"),
            std::string::npos)
      << mail;
  gap = stamp::Gap{};  // the next stamp covered everything
  store->update(stamp::row_name(acme), [](state::SourceState& s) { s.failing = false; });
  EXPECT_EQ(state::check_alerts(c, *store, now + 2 * kHour, rows(now + 2 * kHour)).recoveries, 1u);
  EXPECT_NE(util::read_file(dir.path() + "/out.1").find("is up to date again"), std::string::npos);
}
