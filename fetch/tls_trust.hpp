// Certificate trust for a mailbox connection (vmime side; included by mail_store.cpp only).
// validate_certificates: true  -> vmime's default verifier with the system CA store
//                                 (/etc/ssl/certs/ca-certificates.crt) as root CAs plus every
//                                 certificate of `ca_file` as both root CA and directly trusted
//                                 certificate (so a self-signed server certificate works); the
//                                 host name is checked against the certificate.
//                        false -> every chain is accepted (the caller logs a warning).
// Either way the verifier remembers the SHA-256 of the server's leaf certificate for the record.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <vmime/vmime.hpp>

#include "config/config.hpp"

namespace postjournal::fetch {

inline constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

class RecordingVerifier : public vmime::security::cert::certificateVerifier {
 public:
  // Throws FetchError (kConfig) when ca_file cannot be read or holds no certificate.
  explicit RecordingVerifier(const config::Mailbox& m);
  void verify(std::shared_ptr<vmime::security::cert::certificateChain> chain,
              const vmime::string& hostname) override;
  // "sha256:<hex> verified|unverified", empty before a TLS handshake.
  const std::string& peer() const { return peer_; }

 private:
  bool validate_;
  std::shared_ptr<vmime::security::cert::defaultCertificateVerifier> inner_;
  std::string peer_;
};

// Every PEM certificate in `pem` (a bundle); blocks that do not parse are skipped.
std::vector<std::shared_ptr<vmime::security::cert::X509Certificate>> parse_pem_bundle(
    const std::string& pem);

}  // namespace postjournal::fetch
