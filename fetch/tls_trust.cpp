#include "tls_trust.hpp"

#include "mail_store.hpp"
#include "util/file.hpp"
#include "util/sha256.hpp"

namespace postjournal::fetch {

namespace {

constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";

std::string read_or_empty(const std::string& path) {
  try {
    return util::read_file(path);
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace

std::vector<std::shared_ptr<vmime::security::cert::X509Certificate>> parse_pem_bundle(
    const std::string& pem) {
  std::vector<std::shared_ptr<vmime::security::cert::X509Certificate>> out;
  std::size_t pos = 0;
  while ((pos = pem.find(kBegin, pos)) != std::string::npos) {
    std::size_t end = pem.find(kEnd, pos);
    if (end == std::string::npos) break;
    end += kEnd.size();
    std::string block = pem.substr(pos, end - pos) + "\n";
    pos = end;
    try {
      auto cert = vmime::security::cert::X509Certificate::import(
          reinterpret_cast<const vmime::byte_t*>(block.data()), block.size());
      if (cert) out.push_back(cert);
    } catch (const vmime::exception&) {
      // A block the TLS library cannot read is not a trust anchor.
    }
  }
  return out;
}

RecordingVerifier::RecordingVerifier(const config::Mailbox& m)
    : validate_(m.validate_certificates),
      inner_(std::make_shared<vmime::security::cert::defaultCertificateVerifier>()) {
  if (!validate_) return;
  auto roots = parse_pem_bundle(read_or_empty(kSystemCaBundle));
  if (!m.ca_file.empty()) {
    std::string pem;
    try {
      pem = util::read_file(m.ca_file);
    } catch (const std::exception& e) {
      throw FetchError(Failure::kConfig, "cannot read ca_file: " + std::string(e.what()));
    }
    auto extra = parse_pem_bundle(pem);
    if (extra.empty()) {
      throw FetchError(Failure::kConfig, "ca_file " + m.ca_file + " holds no PEM certificate");
    }
    inner_->setX509TrustedCerts(extra);
    roots.insert(roots.end(), extra.begin(), extra.end());
  }
  inner_->setX509RootCAs(roots);
}

void RecordingVerifier::verify(std::shared_ptr<vmime::security::cert::certificateChain> chain,
                               const vmime::string& hostname) {
  peer_.clear();
  if (chain && chain->getCount() > 0) {
    vmime::byteArray der = chain->getAt(0)->getEncoded();
    std::string_view bytes(reinterpret_cast<const char*>(der.data()), der.size());
    peer_ = "sha256:" + util::to_hex(util::sha256(bytes));
  }
  if (!validate_) {
    peer_ += " unverified";
    return;
  }
  inner_->verify(chain, hostname);  // throws on an untrusted chain or a host name mismatch
  peer_ += " verified";
}

}  // namespace postjournal::fetch
