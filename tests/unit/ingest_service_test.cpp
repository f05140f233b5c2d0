// The ingest Service and the registry under it: one LMDB environment per directory per process
// (counted through Environment::open_count/peak_count), archives kept open across messages and
// closed on reload when their tenant leaves the configuration, and the store path's Report.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "archive/lmdb_env.hpp"
#include "test_support.hpp"
#include "util/file.hpp"

using namespace postjournal;

namespace {

std::shared_ptr<const config::Config> config_for(const std::string& root,
                                                 const std::string& tenant = "acme") {
  return std::make_shared<const config::Config>(config::load_string(
      "archive: {root: " + root + "}\nlisteners:\n  - name: l1\n    tenant: " + tenant +
          "\n    auth: {method: ip, ips: [192.0.2.0/24]}\n",
      "test.yaml"));
}

archive::TenantId tenant(const char* name) {
  return *archive::TenantId::parse(name);
}

ingest::TransportFacts facts(const std::string& source = "l1") {
  ingest::TransportFacts f;
  f.source = source;
  f.mail_from = "a@acme.test";
  f.rcpt_to = {"j@arch.test"};
  return f;
}

}  // namespace

// Many threads open and drop the same tenant's archive in a tight loop while others commit:
// never two environments of one directory at once (the race of the weak-reference registry).
TEST(Registry, NeverTwoEnvironmentsOfOneDirectory) {
  test::TempDir dir;
  std::string root = dir.path();
  std::string env_dir = root + "/race";
  std::atomic<bool> stop{false};
  std::atomic<int> stored{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        auto a = archive::Registry::instance().open(root, tenant("race"));
        (void)a->count();
      }  // the last reference may drop here: a close races the next open
    });
  }
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 40; ++n) {
        auto a = archive::Registry::instance().open(root, tenant("race"));
        std::string id = std::to_string(i) + "-" + std::to_string(n);
        if (test::store(*a, test::make_message("a@x", "b@y", id, "<" + id + "@x>")).ok()) {
          ++stored;
        }
      }
    });
  }
  for (std::size_t i = 4; i < threads.size(); ++i) threads[i].join();
  stop = true;
  for (std::size_t i = 0; i < 4; ++i) threads[i].join();
  EXPECT_EQ(stored.load(), 80);
  EXPECT_EQ(archive::Environment::peak_count(env_dir), 1u);
  EXPECT_EQ(archive::Environment::open_count(env_dir), 0u);
  EXPECT_EQ(archive::Registry::instance().open(root, tenant("race"))->count(), 80u);
}

TEST(IngestService, KeepsEachArchiveOpenAcrossMessages) {
  test::TempDir dir;
  std::string env_dir = dir.path() + "/acme";
  {
    ingest::Service service(config_for(dir.path()));
    for (int i = 0; i < 5; ++i) {
      std::string id = "<" + std::to_string(i) + "@x>";
      ingest::Report r = service.store(
          tenant("acme"), facts(),
          archive::MessageBytes::from_string(test::make_message("a@x", "b@y", "s", id)));
      ASSERT_TRUE(r.ok()) << r.detail;
      EXPECT_EQ(r.seq, static_cast<std::uint64_t>(i + 1));
      EXPECT_EQ(r.id(), "acme:" + std::to_string(i + 1));
      EXPECT_EQ(archive::Environment::open_count(env_dir), 1u);  // still open between messages
    }
    EXPECT_EQ(archive::Environment::peak_count(env_dir), 1u);
    EXPECT_EQ(service.state().get("l1").messages, 5u);  // source state recorded by the service
  }
  EXPECT_EQ(archive::Environment::open_count(env_dir), 0u);  // closed with the Service
}

TEST(IngestService, ReportsTheSummaryFieldsAndRetransmissions) {
  test::TempDir dir;
  ingest::Service service(config_for(dir.path()));
  std::string m = test::make_message("a@x", "b@y", "s", "<r@x>");
  ingest::StoreOptions merge;
  merge.merge_retransmission = true;
  auto first = service.store(tenant("acme"), facts(), archive::MessageBytes::from_string(m), merge);
  auto again = service.store(tenant("acme"), facts(), archive::MessageBytes::from_string(m), merge);
  auto plain = service.store(tenant("acme"), facts(), archive::MessageBytes::from_string(m));
  ASSERT_TRUE(first.ok() && again.ok() && plain.ok());
  EXPECT_TRUE(again.retransmission);
  EXPECT_EQ(again.seq, first.seq);
  EXPECT_FALSE(plain.retransmission);
  EXPECT_TRUE(plain.content_existed);
  EXPECT_EQ(plain.seq, 2u);
  std::string fields = plain.log_fields();
  EXPECT_EQ(fields.rfind("tenant=acme id=acme:2 source=l1 size=" + std::to_string(m.size()), 0), 0u)
      << fields;
  EXPECT_NE(fields.find(" duplicate=yes"), std::string::npos);
  EXPECT_NE(again.log_fields().find(" retransmission=yes"), std::string::npos);
}

TEST(IngestService, ReloadClosesTenantsThatLeftTheConfiguration) {
  test::TempDir dir;
  ingest::Service service(config_for(dir.path(), "acme"));
  ASSERT_TRUE(
      service
          .store(tenant("acme"), facts(),
                 archive::MessageBytes::from_string(test::make_message("a", "b", "s", "<1>")))
          .ok());
  EXPECT_EQ(archive::Environment::open_count(dir.path() + "/acme"), 1u);
  service.reconfigure(config_for(dir.path(), "beta"));
  EXPECT_EQ(archive::Environment::open_count(dir.path() + "/acme"), 0u);
  EXPECT_THROW(service.reconfigure(config_for(dir.path() + "/elsewhere")), std::runtime_error);
  EXPECT_EQ(service.config()->listeners.front().tenant,
            "beta");  // the failed reload changed nothing
}

TEST(IngestService, AnArchiveThatCannotBeOpenedIsAReportNotAnException) {
  test::TempDir dir;
  std::string root = dir.path() + "/file";
  util::replace_file(root, "not a directory", 0600);
  ingest::Service service(config_for(root));
  ingest::Report r = service.store(tenant("acme"), facts(),
                                   archive::MessageBytes::from_string("Subject: x\r\n\r\nx\r\n"));
  EXPECT_EQ(r.outcome, util::Outcome::kArchiveFailed);
  EXPECT_NE(r.detail.find("cannot open the archive"), std::string::npos) << r.detail;
  EXPECT_NE(r.log_fields().find(" reason="), std::string::npos);
}

TEST(IngestService, TheStateStoreIsAnArchiveLayerEnvironment) {
  // The state store uses the archive layer's Environment (key-value schema, no fsync per commit;
  // the strace check in tests/integration/milter_strace_e2e.sh shows no sync per message).
  test::TempDir dir;
  state::StateStore store(dir.path());
  for (int i = 0; i < 100; ++i) store.record_message("s", util::now_us(), "acme:1", 1);
  EXPECT_EQ(store.get("s").messages, 100u);
  EXPECT_EQ(archive::Environment::open_count(dir.path() + "/_state"), 1u);
}
