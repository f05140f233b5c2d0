// SPF checks (RFC 7208) through libspf2 — the only module that includes it. One SPF server per
// thread and per checker (libspf2 servers are not shared between threads). libspf2 reports DNS
// and syntax errors as "invalid" with an error code; they are mapped to temperror (DNS errors:
// the sender should retry) and permerror (everything else).
// Note: libspf2 answers pass for loopback clients ("localhost is always allowed"); mail from
// 127.0.0.0/8 therefore passes any domain's SPF. Do not expose the archiver's smtpd to local
// users you would not trust with any tenant.
// Errors: check() never throws; a failure to create libspf2 objects is a temperror.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace postjournal::tenant {

enum class SpfResult { kNone, kNeutral, kPass, kFail, kSoftfail, kTempError, kPermError };

std::string_view to_string(SpfResult r);

// A DNS record for a zone-backed checker (tests and `resolve` without network).
struct ZoneRecord {
  enum class Type { kTxt, kA, kAaaa, kServfail };
  std::string name;
  Type type = Type::kTxt;
  std::string value;
};

class SpfChecker {
 public:
  virtual ~SpfChecker() = default;
  // DNS through the system resolver (/etc/resolv.conf).
  static std::shared_ptr<SpfChecker> resolver();
  // Answers only from `records`; other names do not exist (NXDOMAIN). No network.
  static std::shared_ptr<SpfChecker> zone(std::vector<ZoneRecord> records);

  // SPF for MAIL FROM `mail_from` (or postmaster@helo when it is empty) sent from `client_ip`.
  virtual SpfResult check(const std::string& client_ip, const std::string& mail_from,
                          const std::string& helo) const = 0;
};

}  // namespace postjournal::tenant
