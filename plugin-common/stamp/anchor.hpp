// Taking an RFC 3161 stamp of a tenant's chains (archive/stamps.hpp): read both chain heads in
// one snapshot, send SHA-256(anchor statement) with a random nonce to the TSA (timestamp.url,
// HTTP POST application/timestamp-query, libcurl through http/), check the answer completely
// (granted, imprint, nonce, signature and certificate chain against timestamp.ca_file at the
// token's time) and append it to the archive. A token that does not check is never stored.
// One stamper per tenant at a time: the tenant's stamp.lock (flock), so stamps are stored in
// the order they were taken. Never in the path of a 250: the archive's writer is not involved
// (the stamp is its own small LMDB write transaction).
// Errors: StampError with a kind (busy: another process is stamping this tenant; tsa: the TSA
// was unreachable, refused or sent something that does not verify; config) and one line of
// text naming the TSA's own error where there is one. LmdbError from the archive.
#pragma once

#include <stdexcept>
#include <string>

#include "archive/stamps.hpp"
#include "archive/tenant_archive.hpp"
#include "config/config.hpp"
#include "http/client.hpp"

namespace postjournal::stamp {

class StampError : public std::runtime_error {
 public:
  enum class Kind { kBusy, kTsa, kConfig };
  StampError(Kind k, const std::string& msg) : std::runtime_error(msg), kind_(k) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct Settings {
  http::Request tsa;    // URL, TLS trust, client certificate, basic authentication, deadline
  std::string ca_file;  // trust anchors of the TSA's tokens
  std::string policy;
};

// The timestamp.* settings; the password read from timestamp.password_file. Throws StampError
// (config) when timestamp.url is empty, timestamp.ca_file is missing or a file cannot be read.
Settings settings_from(const config::Config& c);

// Stamps the tenant's current heads now. `wait`: block on another stamper's lock instead of
// failing with kBusy. Returns the stored stamp.
archive::StampRecord take_stamp(archive::TenantArchive& a, const Settings& s, bool wait);

}  // namespace postjournal::stamp
