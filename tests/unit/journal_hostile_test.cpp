// Every file of the shared corpus (hostile MIME, NDRs, TNEF, S/MIME, journal samples) goes
// through the extractor without a crash or a hang, and the located original stays inside the
// input. ASan+UBSan runs of test.sh make this a memory-safety check too.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "journal/extract.hpp"
#include "util/file.hpp"

using namespace postjournal;

TEST(JournalHostile, SharedCorpusRunsCleanWithinABound) {
  std::filesystem::path root = SOURCE_DIR "/../shared/corpus";
  ASSERT_TRUE(std::filesystem::is_directory(root)) << root << " (CI provides ../shared)";
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".eml") continue;
    SCOPED_TRACE(entry.path().string());
    std::string bytes = util::read_file(entry.path().string());
    auto start = std::chrono::steady_clock::now();
    journal::JournalEnvelope e = journal::extract_envelope(bytes, {});
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    EXPECT_LT(ms, 5000) << "hang detector";
    EXPECT_FALSE(e.format.empty());
    EXPECT_LE(e.original_offset + e.original_size, bytes.size());
    ++files;
  }
  EXPECT_GT(files, 150u);
}

TEST(JournalHostile, DeepNestingAndManyPartsAreBounded) {
  std::string nested;
  for (int i = 0; i < 20000; ++i) {
    nested += "Content-Type: multipart/report; boundary=\"b" + std::to_string(i) + "\"\r\n\r\n--b" +
              std::to_string(i) + "\r\nContent-Type: message/rfc822\r\n\r\n";
  }
  journal::JournalEnvelope e = journal::extract_envelope(nested, {});
  EXPECT_EQ(e.format, "plain");

  std::string many = "X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 20000; ++i) many += "--b\r\n\r\n";
  e = journal::extract_envelope(many, {});
  bool capped = false;
  for (const auto& a : e.anomalies) capped = capped || a == "too-many-parts";
  EXPECT_TRUE(capped);
  EXPECT_TRUE(e.recipients.empty());
}

// Inputs that once crashed a fuzz target (tests/data/fuzz-regressions/): each must now extract
// without an exception escaping and without the extractor-error fallback.
TEST(JournalHostile, FuzzRegressions) {
  std::size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(SOURCE_DIR "/tests/data/fuzz-regressions")) {
    if (entry.path().extension() != ".eml") continue;
    SCOPED_TRACE(entry.path().string());
    std::string bytes = util::read_file(entry.path().string());
    journal::JournalEnvelope e = journal::extract_envelope(bytes, {});
    for (const auto& a : e.anomalies) EXPECT_EQ(a.rfind("extractor-error", 0), std::string::npos);
    ++files;
  }
  EXPECT_GE(files, 1u);
}
