// RFC 3161 stamps against a real local TSA (scripts/lib/tsa.sh: a throwaway CA and
// `openssl ts -reply` behind a python3 HTTP server on 127.0.0.1, started and stopped by PID):
// stamps taken on schedule by the Anchorer (max_deliveries, interval; clock injected), a TSA that
// is down (archiving goes on, the gap is FAILING after alert_after, the next stamp closes it), a
// refused digest, and what `verify` reports: a swapped token (imprint), a changed record, a
// changed chain link, a token checked against another TSA's root.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "../unit/raw_env.hpp"
#include "../unit/test_support.hpp"
#include "archive/keys.hpp"
#include "archive/tenant_archive.hpp"
#include "stamp/anchor.hpp"
#include "stamp/anchorer.hpp"
#include "stamp/check.hpp"
#include "state/source_state.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

using namespace postjournal;
using postjournal::test::TempDir;

namespace {

constexpr util::TimeUs kSecond = 1000000;
const std::string kTsaSh = SOURCE_DIR "/scripts/lib/tsa.sh";

// One TSA: its own CA, certificate and server.
class Tsa {
 public:
  Tsa(const std::string& dir, const std::string& name, const std::string& digests = "sha256")
      : dir_(dir) {
    EXPECT_EQ(util::run_capture({"bash", kTsaSh, "make", dir_, name, digests}).exit_status, 0);
  }
  ~Tsa() { stop(); }
  std::string start(const std::string& port = "0", std::vector<std::string> options = {}) {
    std::vector<std::string> argv = {"bash", kTsaSh, "start", dir_, port};
    argv.insert(argv.end(), options.begin(), options.end());
    auto r = util::run_capture(argv);
    EXPECT_EQ(r.exit_status, 0);
    url_ = r.output.substr(0, r.output.find('\n'));
    port_ = util::read_file(dir_ + "/port");
    port_ = port_.substr(0, port_.find('\n'));
    return url_;
  }
  void stop() { util::run_capture({"bash", kTsaSh, "stop", dir_}); }
  void restart() { start(port_); }
  std::string ca() const { return dir_ + "/ca.crt"; }
  std::string file(const std::string& name) const { return dir_ + "/" + name; }
  const std::string& url() const { return url_; }

 private:
  std::string dir_, url_, port_;
};

archive::TenantId acme() {
  return *archive::TenantId::parse("acme");
}

class StampTest : public ::testing::Test {
 protected:
  StampTest() : tsa_(tmp_.path() + "/tsa", "Test TSA") {
    root_ = tmp_.path() + "/archive";
    util::make_dirs(root_);
    tsa_.start();
    config_ = config::defaults();
    config_.archive_root = root_;
    config_.timestamp_url = tsa_.url();
    config_.timestamp_ca_file = tsa_.ca();
    config_.timestamp_interval = 600;
    config_.timestamp_max_deliveries = 3;
    config_.timestamp_alert_after = 3600;
    open();
  }
  void open() { archive_ = std::make_shared<archive::TenantArchive>(root_, acme(), opts_); }
  void close() { archive_.reset(); }
  void store(int n, util::TimeUs when) {
    for (int i = 0; i < n; ++i) {
      ++stored_;
      test::store(
          *archive_,
          test::make_message("a@acme.example", "b@acme.example", "m" + std::to_string(stored_),
                             "<m" + std::to_string(stored_) + "@acme>"),
          when);
    }
  }
  stamp::Anchorer anchorer(state::StateStore& st) {
    return stamp::Anchorer(
        root_, [this](const archive::TenantId&) { return archive_; }, st,
        [this] { return std::make_shared<const config::Config>(config_); });
  }
  std::string dir() const { return root_ + "/acme"; }

  TempDir tmp_;
  Tsa tsa_;
  std::string root_;
  config::Config config_;
  archive::ArchiveOptions opts_;
  std::shared_ptr<archive::TenantArchive> archive_;
  int stored_ = 0;
};

bool mentions(const std::vector<archive::VerifyProblem>& problems, const std::string& where,
              const std::string& text) {
  for (const auto& p : problems) {
    if (p.where == where && p.what.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST_F(StampTest, StampCoversTheChainAndVerifies) {
  store(2, 1000 * kSecond);
  auto rec = stamp::take_stamp(*archive_, stamp::settings_from(config_), true);
  EXPECT_EQ(rec.seq, 1u);
  EXPECT_EQ(rec.deliveries.seq, 2u);
  EXPECT_EQ(rec.deliveries.link, *archive_->link_at(2));
  EXPECT_GT(rec.gen_time, 0);
  store(1, 1001 * kSecond);
  auto cov = stamp::check_stamps(*archive_, tsa_.ca());
  EXPECT_TRUE(cov.problems.empty()) << cov.problems.front().what;
  EXPECT_EQ(cov.valid, 1u);
  EXPECT_EQ(cov.covered, 2u);
  EXPECT_EQ(cov.last_seq, 3u);
  auto g = stamp::gap(*archive_);
  EXPECT_EQ(g.unstamped, 1u);
  EXPECT_EQ(g.oldest_unstamped, 1001 * kSecond);
}

TEST_F(StampTest, AnchorerStampsOnScheduleAndSurvivesTheTsaGoingAway) {
  state::StateStore st(root_);
  auto a = anchorer(st);
  util::TimeUs t0 = 10000 * kSecond;
  store(1, t0);
  EXPECT_EQ(a.round(config_, t0 + 10 * kSecond), 0u) << "one delivery, interval not over";
  EXPECT_EQ(a.round(config_, t0 + 600 * kSecond), 1u) << "the interval is over";
  EXPECT_EQ(a.round(config_, t0 + 1200 * kSecond), 0u) << "nothing new: no stamp";
  store(3, t0 + 1300 * kSecond);
  EXPECT_EQ(a.round(config_, t0 + 1301 * kSecond), 1u) << "max_deliveries reached";
  EXPECT_EQ(archive_->stamps().size(), 2u);

  tsa_.stop();
  store(1, t0 + 2000 * kSecond);  // archiving goes on without the TSA
  util::TimeUs late = t0 + 2700 * kSecond;
  EXPECT_EQ(a.round(config_, late), 0u);
  auto recorded = st.get(stamp::row_name(acme()));
  EXPECT_TRUE(recorded.failing);
  EXPECT_NE(recorded.last_failure_reason.find("TSA unreachable"), std::string::npos)
      << recorded.last_failure_reason;
  EXPECT_EQ(a.round(config_, late + 5 * kSecond), 0u) << "retried only after the backoff";
  EXPECT_EQ(std::stoi(util::read_file(tmp_.path() + "/tsa/requests")), 2);

  auto gap = stamp::gap(*archive_);
  EXPECT_EQ(gap.unstamped, 1u);
  auto row = stamp::stamp_row(config_, acme(), gap, recorded, late);
  EXPECT_EQ(row.health, state::Health::kOk) << "within timestamp.alert_after";
  row = stamp::stamp_row(config_, acme(), gap, recorded, t0 + 2000 * kSecond + 3601 * kSecond);
  EXPECT_EQ(row.health, state::Health::kFailing);
  EXPECT_NE(row.state.last_failure_reason.find("TSA unreachable"), std::string::npos);

  tsa_.restart();
  util::TimeUs back = late + stamp::retry_delay(1, config_);
  EXPECT_EQ(a.round(config_, back), 1u) << "the TSA is back: the gap is closed";
  gap = stamp::gap(*archive_);
  EXPECT_EQ(gap.unstamped, 0u);
  recorded = st.get(stamp::row_name(acme()));
  EXPECT_FALSE(recorded.failing);
  row = stamp::stamp_row(config_, acme(), gap, recorded, back + 7200 * kSecond);
  EXPECT_EQ(row.health, state::Health::kOk);
  auto cov = stamp::check_stamps(*archive_, tsa_.ca());
  EXPECT_EQ(cov.valid, 3u);
  EXPECT_EQ(cov.covered, 5u);
}

TEST_F(StampTest, RetryDelayDoublesUpToTheInterval) {
  EXPECT_EQ(stamp::retry_delay(1, config_), 10 * kSecond);
  EXPECT_EQ(stamp::retry_delay(2, config_), 20 * kSecond);
  EXPECT_EQ(stamp::retry_delay(7, config_), 600 * kSecond);
  EXPECT_EQ(stamp::retry_delay(40, config_), 600 * kSecond);
}

TEST_F(StampTest, RefusedAndUntrustedTokensAreNotStored) {
  store(1, 1000 * kSecond);
  Tsa sha384_only(tmp_.path() + "/tsa384", "Picky TSA", "sha384");
  config_.timestamp_url = sha384_only.start();
  config_.timestamp_ca_file = sha384_only.ca();
  try {
    stamp::take_stamp(*archive_, stamp::settings_from(config_), true);
    ADD_FAILURE() << "a refused request was stored";
  } catch (const stamp::StampError& e) {
    EXPECT_EQ(e.kind(), stamp::StampError::Kind::kTsa);
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
  }
  config_.timestamp_url = tsa_.url();  // a TSA whose root is not the configured one
  try {
    stamp::take_stamp(*archive_, stamp::settings_from(config_), true);
    ADD_FAILURE() << "an untrusted token was stored";
  } catch (const stamp::StampError& e) {
    EXPECT_NE(std::string(e.what()).find("does not verify"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(archive_->stamps().empty());
}

std::string tsa_error(const config::Config& c, archive::TenantArchive& a) {
  try {
    stamp::take_stamp(a, stamp::settings_from(c), true);
  } catch (const stamp::StampError& e) {
    return e.what();
  }
  return "";
}

TEST_F(StampTest, ACommercialTsaGetsItsClientCertificateAndPassword) {
  store(1, 1000 * kSecond);
  Tsa paid(tmp_.path() + "/paid", "Paid TSA");
  config_.timestamp_url = paid.start("0", {"--tls", "--basic-auth", "acme:s3cret pass"});
  ASSERT_EQ(config_.timestamp_url.rfind("https://", 0), 0u);
  config_.timestamp_ca_file = paid.ca();
  std::string password = tmp_.path() + "/tsa-password";
  util::replace_file(password, "s3cret pass\n", 0600);
  config_.timestamp_username = "acme";
  config_.timestamp_password_file = password;
  config_.timestamp_client_cert = paid.file("client.crt");
  config_.timestamp_client_key = paid.file("client.key");
  EXPECT_NE(tsa_error(config_, *archive_).find("TSA unreachable"), std::string::npos)
      << "its HTTPS certificate is not under the system's CAs";
  config_.timestamp_tls_ca_file = paid.ca();
  EXPECT_EQ(tsa_error(config_, *archive_), "");
  EXPECT_EQ(archive_->stamps().size(), 1u);

  util::replace_file(password, "wrong\n", 0600);
  EXPECT_NE(tsa_error(config_, *archive_).find("answered HTTP 401"), std::string::npos);
  util::replace_file(password, "s3cret pass\n", 0600);
  config_.timestamp_client_cert.clear();
  config_.timestamp_client_key.clear();
  EXPECT_NE(tsa_error(config_, *archive_).find("TSA unreachable"), std::string::npos)
      << "no client certificate";
  EXPECT_EQ(archive_->stamps().size(), 1u);
}

TEST_F(StampTest, VerifyReportsAnUntrustedTsa) {
  store(1, 1000 * kSecond);
  stamp::take_stamp(*archive_, stamp::settings_from(config_), true);
  Tsa other(tmp_.path() + "/other", "Other TSA");
  auto cov = stamp::check_stamps(*archive_, other.ca());
  EXPECT_EQ(cov.valid, 0u);
  EXPECT_TRUE(mentions(cov.problems, "stamp 1", "does not verify")) << cov.problems.size();
  auto unchecked = stamp::check_stamps(*archive_, "");
  EXPECT_TRUE(unchecked.unchecked);
  EXPECT_EQ(unchecked.valid, 0u);
  EXPECT_TRUE(unchecked.problems.empty());
}

TEST_F(StampTest, VerifyReportsASwappedToken) {
  store(1, 1000 * kSecond);
  stamp::take_stamp(*archive_, stamp::settings_from(config_), true);
  store(1, 1001 * kSecond);
  stamp::take_stamp(*archive_, stamp::settings_from(config_), true);
  close();
  {
    test::RawEnv raw(dir());
    auto one = *archive::decode_stamp(raw.get("stamps", archive::keys::seq(1)));
    auto two = *archive::decode_stamp(raw.get("stamps", archive::keys::seq(2)));
    std::swap(one.token, two.token);
    std::swap(one.nonce, two.nonce);
    std::swap(one.gen_time, two.gen_time);
    raw.put("stamps", archive::keys::seq(2), archive::encode_stamp(two));
  }
  open();
  auto cov = stamp::check_stamps(*archive_, tsa_.ca());
  EXPECT_EQ(cov.valid, 1u);
  EXPECT_EQ(cov.covered, 1u);
  EXPECT_TRUE(mentions(cov.problems, "stamp 2", "imprint")) << cov.problems.front().what;
}

TEST_F(StampTest, VerifyReportsAChangedRecordAndAChangedChain) {
  store(2, 1000 * kSecond);
  stamp::take_stamp(*archive_, stamp::settings_from(config_), true);
  close();
  {
    test::RawEnv raw(dir());
    std::string record = raw.get("deliveries", archive::keys::seq(1));
    record[record.size() / 2] ^= 1;
    raw.put("deliveries", archive::keys::seq(1), record);
  }
  open();
  auto report = archive_->verify();
  EXPECT_FALSE(report.ok()) << "a changed record breaks its chain link";
  close();
  {
    test::RawEnv raw(dir());
    std::string link = raw.get("chain", archive::keys::seq(2));
    link[0] ^= 1;
    raw.put("chain", archive::keys::seq(2), link);
  }
  open();
  auto cov = stamp::check_stamps(*archive_, tsa_.ca());
  EXPECT_EQ(cov.valid, 0u);
  EXPECT_TRUE(mentions(cov.problems, "stamp 1", "is not the one stamped"));
}

}  // namespace
