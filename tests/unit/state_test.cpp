// Source state (encoding, hourly counts) and the status evaluation.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "archive/lmdb_env.hpp"
#include "state/source_state.hpp"
#include "state/status.hpp"
#include "test_support.hpp"
#include "util/file.hpp"

using namespace postjournal;
using postjournal::test::TempDir;

namespace {
constexpr util::TimeUs kHour = 3600LL * 1000000;
constexpr util::TimeUs kT0 = 1795000000LL * 1000000;  // 2026-11-18

config::Config two_sources() {
  config::Config c = config::defaults();
  config::Listener l;
  l.name = "smtp-acme";
  l.tenant = "acme";
  l.allowed_inactivity_hours = 48;
  c.listeners.push_back(l);
  config::Mailbox m;
  m.name = "pop-globex";
  m.tenant = "globex";
  m.allowed_inactivity_hours = 2;
  c.mailboxes.push_back(m);
  return c;
}
}  // namespace

TEST(State, RecordsMessagesPerHourAndSurvivesReopen) {
  TempDir dir;
  {
    auto s = std::make_unique<state::StateStore>(dir.path());
    s->record_message("a", kT0, "acme:1", 100);
    s->record_message("a", kT0 + kHour, "acme:2", 50);
    s->record_message("a", kT0 + 30 * kHour, "acme:3", 1);
    s->record_failure("a", kT0 + 31 * kHour, "commit-timeout");
  }
  auto s = std::make_unique<state::StateStore>(dir.path());
  auto a = s->get("a");
  EXPECT_EQ(a.messages, 3u);
  EXPECT_EQ(a.bytes, 151u);
  EXPECT_EQ(a.last_id, "acme:3");
  EXPECT_EQ(a.last_24h(kT0 + 30 * kHour), 1u);
  EXPECT_EQ(a.last_24h(kT0 + 2 * kHour), 0u);  // older hours were pruned when hour 30 arrived
  EXPECT_TRUE(a.failing);
  EXPECT_EQ(a.last_failure_reason, "commit-timeout");
  EXPECT_EQ(state::decode_state(state::encode_state(a)), a);
  EXPECT_FALSE(state::decode_state("PJS1\x01"));
  EXPECT_EQ(s->get("unknown").messages, 0u);
  EXPECT_EQ(s->all().size(), 1u);
}

TEST(State, AStoreAPowerCutLeftUnreadableIsRecreatedAndSaysSo) {
  TempDir dir;
  {
    auto s = std::make_unique<state::StateStore>(dir.path());
    s->record_message("a", kT0, "acme:1", 100);
    EXPECT_EQ(s->recreated(), "");
  }
  // What tests/crash/run.sh found: data.mdb whose meta pages never reached the disk.
  std::string garbage(8192, '\0');
  util::replace_file(dir.path() + "/_state/data.mdb", garbage, 0640);
  ::unlink((dir.path() + "/_state/lock.mdb").c_str());
  auto s = std::make_unique<state::StateStore>(dir.path());
  EXPECT_NE(s->recreated().find("the source state could not be opened"), std::string::npos)
      << s->recreated();
  EXPECT_EQ(s->get("a").messages, 0u);
  s->record_message("a", kT0, "acme:2", 1);
  EXPECT_EQ(s->all().size(), 1u) << "the note is not a source";
  s.reset();
  s = std::make_unique<state::StateStore>(dir.path());
  EXPECT_NE(s->recreated(), "") << "still said after a restart";
  EXPECT_EQ(s->get("a").last_id, "acme:2");
  bool kept = false;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    kept = kept || e.path().filename().string().rfind("_state.broken.", 0) == 0;
  }
  EXPECT_TRUE(kept) << "the broken files are kept aside";

  // A data.mdb cut short (its meta pages synced, later pages not): mapping it would SIGBUS.
  s.reset();
  std::string file = dir.path() + "/_state/data.mdb";
  std::string bytes = util::read_file(file);
  util::replace_file(file, bytes.substr(0, 8192), 0640);
  EXPECT_FALSE(archive::Environment::file_plausible(dir.path() + "/_state"));
  s = std::make_unique<state::StateStore>(dir.path());
  EXPECT_NE(s->recreated().find("shorter than its meta page says"), std::string::npos)
      << s->recreated();
  EXPECT_TRUE(archive::Environment::file_plausible(dir.path() + "/_state"));
}

TEST(Status, StatesAndExitCodesAtChosenTimes) {
  auto c = two_sources();
  std::map<std::string, state::SourceState> st;
  auto at = [&](util::TimeUs now) { return state::evaluate(c, st, now); };
  auto rows = at(kT0);
  EXPECT_EQ(rows[0].health, state::Health::kNever);
  EXPECT_EQ(state::status_exit_code(rows, 0), 1);

  st["smtp-acme"].last_message = kT0;
  st["pop-globex"].last_message = kT0;
  rows = at(kT0 + kHour);
  EXPECT_EQ(rows[0].health, state::Health::kOk);
  EXPECT_EQ(rows[1].health, state::Health::kOk);
  EXPECT_EQ(state::status_exit_code(rows, 0), 0);
  EXPECT_EQ(state::status_exit_code(rows, 3), 1);  // No Tenant queue not empty: warning

  rows = at(kT0 + 3 * kHour);  // the mailbox allows 2 hours
  EXPECT_EQ(rows[1].health, state::Health::kInactive);
  EXPECT_EQ(state::status_exit_code(rows, 0), 2);

  st["smtp-acme"].failing = true;
  st["smtp-acme"].last_failure = kT0 + kHour;
  rows = at(kT0 + kHour);
  EXPECT_EQ(rows[0].health, state::Health::kFailing);
  EXPECT_EQ(state::status_exit_code(rows, 0), 2);
  rows = at(kT0 + 26 * kHour);  // an old failure no longer counts
  EXPECT_EQ(rows[0].health, state::Health::kOk);

  c.mailboxes[0].active = false;
  rows = at(kT0 + 100 * kHour);
  EXPECT_EQ(rows[1].health, state::Health::kDisabled);
}
