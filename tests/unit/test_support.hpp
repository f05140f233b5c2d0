// Helpers shared by the unit tests: a temporary directory removed at the end of the test, and
// message builders. No network, no root.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "archive/registry.hpp"
#include "ingest/ingest.hpp"

namespace postjournal::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pjtest.XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A small CRLF message with the given headers and body.
inline std::string make_message(const std::string& from, const std::string& to,
                                const std::string& subject, const std::string& message_id,
                                const std::string& body = "Hello.\r\n") {
  return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject +
         "\r\nMessage-ID: " + message_id + "\r\n\r\n" + body;
}

// Printable bytes that zstd cannot shrink much (storage v2 compresses): for tests that must fill
// a map or a disk.
inline std::string incompressible(std::size_t size, std::uint64_t seed = 88172645463325252ull) {
  std::string out;
  out.reserve(size);
  std::uint64_t x = seed;
  while (out.size() < size) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    out.push_back("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[x % 64]);
  }
  return out;
}

inline archive::StoreResult store(archive::TenantArchive& a, const std::string& bytes,
                                  util::TimeUs received = 0, const std::string& source = "test") {
  ingest::TransportFacts f;
  f.received = received;
  f.source = source;
  auto m = archive::MessageBytes::from_string(bytes);
  archive::Delivery d = ingest::make_delivery(f, m);
  return a.store(std::move(d), std::move(m));
}

}  // namespace postjournal::test
