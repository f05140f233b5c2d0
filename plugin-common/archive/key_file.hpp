// Key-encryption keys (KEKs) of the encrypted tenant archives, one file per tenant outside the
// archive: <key_dir>/<tenant>.key (the No Tenant queue: _no-tenant.key), mode 0600, owned by
// milter.user. A text file:
//
//   # comment lines
//   tenant acme
//   kek 2 <64 hex digits>      the current KEK: the highest id
//   kek 1 <64 hex digits>      an older KEK, present only while `key rotate` re-wraps
//
// The archive stores, per KEK id, a check value (kek_check) so that a wrong file is told apart
// from changed bytes. Pure functions except read/write. Errors: KeyError, whose message names
// the tenant and the file.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "archive/tenant_id.hpp"
#include "util/crypto.hpp"

namespace postjournal::archive {

class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Kek {
  std::uint32_t id = 0;
  util::Key256 key{};
};

struct KeyFile {
  std::string tenant;
  std::vector<Kek> keks;  // highest id first
  const Kek& current() const { return keks.front(); }
  const Kek* find(std::uint32_t id) const;
};

// <key_dir>/<tenant>.key. A key_dir starting with ${CREDENTIALS_DIRECTORY} takes systemd's
// credentials directory of the running service (LoadCredentialEncrypted=).
std::string key_path(const std::string& key_dir, const TenantId& tenant);

// Throws KeyError: missing or unreadable file, a syntax error, another tenant's file, no key.
KeyFile read_key_file(const std::string& path, const TenantId& tenant);
std::string render_key_file(const KeyFile& f);
// Atomically (temporary file, fsync, rename, directory fsync), mode 0600; with uid/gid >= 0 the
// file is given to that owner. Throws KeyError.
void write_key_file(const std::string& path, const KeyFile& f, long uid = -1, long gid = -1);

// 16 bytes that identify a KEK of a tenant without revealing it (HMAC-SHA-256, truncated).
std::string kek_check(const Kek& k, const TenantId& tenant);

}  // namespace postjournal::archive
