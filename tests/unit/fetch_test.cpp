// postjournal-fetch pieces that need no server: backoff, passwords, certificate bundles,
// failure names. (The protocols themselves are tested against dovecot: fetch_e2e.sh.)
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "mail_store.hpp"
#include "scheduler.hpp"
#include "test_support.hpp"
#include "tls_trust.hpp"
#include "util/file.hpp"

using namespace postjournal;
using postjournal::test::TempDir;

namespace {
void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}
}  // namespace

TEST(Fetch, BackoffStartsAt30SecondsAndDoublesToOneHour) {
  std::chrono::seconds b{0};
  std::vector<long> seen;
  for (int i = 0; i < 10; ++i) seen.push_back((b = fetch::next_backoff(b)).count());
  EXPECT_EQ(seen, (std::vector<long>{30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600}));
}

TEST(Fetch, PasswordComesFromTheFirstLineOfTheFile) {
  TempDir dir;
  config::Mailbox m;
  m.password = "inline";
  EXPECT_EQ(fetch::read_password(m), "inline");
  m.password.clear();
  m.password_file = dir.path() + "/pw";
  write_file(m.password_file, "s3cret with spaces\r\nsecond line\n");
  EXPECT_EQ(fetch::read_password(m), "s3cret with spaces");
  write_file(m.password_file, "\n");
  try {
    fetch::read_password(m);
    FAIL() << "an empty password file was accepted";
  } catch (const fetch::FetchError& e) {
    EXPECT_EQ(e.failure(), fetch::Failure::kConfig);
    EXPECT_NE(std::string(e.what()).find("is empty"), std::string::npos);
  }
  m.password_file = dir.path() + "/missing";
  EXPECT_THROW(fetch::read_password(m), fetch::FetchError);
}

TEST(Fetch, PemBundleYieldsEveryParsableCertificate) {
  std::string pem = util::read_file(std::string(SOURCE_DIR) + "/tests/data/tls/two-certs.pem");
  EXPECT_EQ(fetch::parse_pem_bundle(pem).size(), 2u);
  EXPECT_TRUE(fetch::parse_pem_bundle("no certificate here").empty());
  EXPECT_TRUE(fetch::parse_pem_bundle("-----BEGIN CERTIFICATE-----\nAAAA").empty());
}

TEST(Fetch, CaFileWithoutCertificatesIsAConfigurationError) {
  TempDir dir;
  config::Mailbox m;
  m.ca_file = dir.path() + "/empty.pem";
  write_file(m.ca_file, "nothing\n");
  try {
    fetch::RecordingVerifier v(m);
    FAIL() << "accepted";
  } catch (const fetch::FetchError& e) {
    EXPECT_EQ(e.failure(), fetch::Failure::kConfig);
  }
  m.ca_file = std::string(SOURCE_DIR) + "/tests/data/tls/two-certs.pem";
  EXPECT_NO_THROW(fetch::RecordingVerifier{m});
}

TEST(Fetch, FailureNamesAreDistinct) {
  std::set<std::string> names;
  for (int f = 0; f <= static_cast<int>(fetch::Failure::kBusy); ++f) {
    names.insert(fetch::failure_name(static_cast<fetch::Failure>(f)));
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(fetch::Failure::kBusy) + 1);
  EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(Fetch, DefaultPorts) {
  EXPECT_EQ(fetch::default_port(config::MailProtocol::kImap), 143);
  EXPECT_EQ(fetch::default_port(config::MailProtocol::kImaps), 993);
  EXPECT_EQ(fetch::default_port(config::MailProtocol::kPop3), 110);
  EXPECT_EQ(fetch::default_port(config::MailProtocol::kPop3s), 995);
}
