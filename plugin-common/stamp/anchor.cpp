#include "stamp/anchor.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "http/client.hpp"
#include "util/crypto.hpp"
#include "util/file.hpp"
#include "util/tsp.hpp"

namespace postjournal::stamp {

namespace {

using Kind = StampError::Kind;

// Holds <tenant dir>/stamp.lock exclusively for the lifetime of the object.
class StampLock {
 public:
  StampLock(const std::string& dir, bool wait) {
    std::string path = dir + "/stamp.lock";
    fd_ = util::UniqueFd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
    if (!fd_.valid()) {
      throw StampError(Kind::kConfig, "cannot open " + path + ": " + std::strerror(errno));
    }
    while (::flock(fd_.get(), LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
      if (errno == EINTR) continue;
      if (errno == EWOULDBLOCK) {
        throw StampError(Kind::kBusy, "another process is taking a stamp of this tenant");
      }
      throw StampError(Kind::kConfig, "cannot lock " + path + ": " + std::strerror(errno));
    }
  }

 private:
  util::UniqueFd fd_;
};

std::string first_line(const std::string& body) {
  std::string line = body.substr(0, std::min(body.find('\n'), std::size_t{200}));
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  }
  return line;
}

}  // namespace

Settings settings_from(const config::Config& c) {
  if (c.timestamp_url.empty()) {
    throw StampError(Kind::kConfig, "timestamp.url is not set: no timestamp authority configured");
  }
  if (c.timestamp_ca_file.empty()) {
    throw StampError(Kind::kConfig,
                     "timestamp.ca_file is not set: the TSA's tokens cannot be checked without "
                     "its trust anchors");
  }
  Settings s;
  s.ca_file = c.timestamp_ca_file;
  s.policy = c.timestamp_policy;
  http::Request& r = s.tsa;
  r.url = c.timestamp_url;
  r.content_type = "application/timestamp-query";
  r.ca_file = c.timestamp_tls_ca_file;
  r.client_cert = c.timestamp_client_cert;
  r.client_key = c.timestamp_client_key;
  r.username = c.timestamp_username;
  r.timeout = std::chrono::seconds(c.timestamp_timeout);
  r.max_response = 256 * 1024;  // a token with its certificate chain is a few KiB
  if (!c.timestamp_password_file.empty()) {
    try {
      std::string p = util::read_file(c.timestamp_password_file);
      r.password = p.substr(0, p.find_first_of("\r\n"));
    } catch (const std::exception& e) {
      throw StampError(Kind::kConfig, std::string("timestamp.password_file: ") + e.what());
    }
  }
  return s;
}

archive::StampRecord take_stamp(archive::TenantArchive& a, const Settings& s, bool wait) {
  StampLock lock(a.dir(), wait);
  archive::Heads heads = a.heads();
  std::string statement = archive::anchor_statement(a.tenant(), heads.deliveries, heads.audit);
  util::Digest imprint = util::sha256(statement);
  std::uint64_t nonce = 0;
  util::random_bytes(&nonce, sizeof nonce);

  http::Request req = s.tsa;
  try {
    req.body = util::tsp::make_request(imprint, nonce, s.policy);
  } catch (const std::invalid_argument& e) {
    throw StampError(Kind::kConfig, std::string("timestamp.policy: ") + e.what());
  }
  archive::StampRecord rec;
  rec.requested = util::now_us();
  http::Response resp;
  try {
    resp = http::perform(req);
  } catch (const http::Error& e) {
    throw StampError(Kind::kTsa, std::string("TSA unreachable: ") + e.what());
  }
  if (resp.status != 200) {
    throw StampError(Kind::kTsa, "TSA " + s.tsa.url + " answered HTTP " +
                                     std::to_string(resp.status) +
                                     (resp.body.empty() ? "" : ": " + first_line(resp.body)));
  }
  std::string why;
  auto info = util::tsp::parse_response(resp.body, why);
  if (!info) throw StampError(Kind::kTsa, "TSA " + s.tsa.url + " sent " + why);
  if (!info->granted)
    throw StampError(Kind::kTsa, "TSA " + s.tsa.url + " refused: " + info->status_text);
  why = util::tsp::verify_response(resp.body, imprint, nonce, s.ca_file);
  if (!why.empty()) throw StampError(Kind::kTsa, "TSA " + s.tsa.url + ": " + why);

  rec.gen_time = info->gen_time;
  rec.deliveries = heads.deliveries;
  rec.audit = heads.audit;
  rec.nonce = nonce;
  rec.tsa_url = s.tsa.url;
  rec.token = std::move(resp.body);
  a.add_stamp(rec);
  return rec;
}

}  // namespace postjournal::stamp
