// Tenant resolution: which listener and tenant an SMTP transaction belongs to, and why.
//
// Per recipient, every listener is considered (the evidence records why each matched or not);
// among the matching ones the most specific wins, in this documented order:
//   1. method: smtp (a SASL login Postfix verified) > ip+domain > ip > spf
//   2. a listener hardened with `recipient` before one without
//   3. the longest matching network prefix (ip, ip+domain)
//   4. the earlier listener in the configuration file
// Inactive listeners match nothing. No match: No Tenant (unassigned: queue) or 550 (reject);
// but an SPF temperror for a listener whose domain is the sender's is a tempfail (the sender
// retries). The Microsoft 365 connector validation mail (MAIL FROM O365ConnectorValidation@...)
// always goes to No Tenant, marked. The first recipient fixes the transaction's tenant; a later
// recipient that resolves elsewhere gets kSplit (452 4.5.3: the client sends it separately).
// At end of message, `microsoft_tenant` hardening compares X-OriginatorOrg /
// X-MS-Exchange-CrossTenant-Id. SPF is evaluated at most once per transaction, only when a
// listener needs it. Thread-safe: a Resolver is immutable; a Transaction belongs to one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "tenant/spf.hpp"

namespace postjournal::tenant {

struct SessionFacts {
  std::string client_ip;
  std::string helo;
  std::string sasl_login;  // empty: not authenticated
  std::string mail_from;   // empty: null sender
};

enum class Verdict { kAccept, kUnassigned, kReject, kTempfail, kSplit };
std::string_view to_string(Verdict v);

struct ListenerCheck {
  std::string listener;
  bool matched = false;
  std::string why;
};

struct Decision {
  Verdict verdict = Verdict::kUnassigned;
  std::string listener;  // the matched listener, empty otherwise
  std::string tenant;    // empty for No Tenant
  std::string reason;
  bool connector_validation = false;
  bool trust_journal = false;  // accepted by a journaling listener: report recipients are trusted
  config::AfterArchive after_archive = config::AfterArchive::kDiscard;
  std::vector<ListenerCheck> checks;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class Resolver;

class Transaction {
 public:
  Decision rcpt(const std::string& rcpt);
  // The decision for the whole transaction at end of message (after hardening checks): that of
  // the first accepted or unassigned recipient, else that of the last recipient.
  Decision finish(const HeaderList& headers) const;
  std::optional<SpfResult> spf() const { return spf_; }

 private:
  friend class Resolver;
  Transaction(const Resolver& r, SessionFacts f) : resolver_(&r), facts_(std::move(f)) {}
  SpfResult spf_result();

  const Resolver* resolver_;
  SessionFacts facts_;
  std::optional<SpfResult> spf_;
  std::optional<Decision> first_;  // the first recipient that was accepted or unassigned
  std::optional<Decision> last_;
};

class Resolver {
 public:
  Resolver(std::shared_ptr<const config::Config> config, std::shared_ptr<SpfChecker> spf);
  Transaction begin(SessionFacts facts) const { return Transaction(*this, std::move(facts)); }
  const config::Config& config() const { return *config_; }

 private:
  friend class Transaction;
  Decision decide(const SessionFacts& f, const std::string& rcpt, Transaction& t) const;

  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<SpfChecker> spf_;
};

// True for the header fields Transaction::finish() reads (X-OriginatorOrg,
// X-MS-Exchange-CrossTenant-Id, any case): a front end keeps only these apart from the bytes.
bool is_resolver_header(std::string_view name);

// The domain of an address ("a@Example.COM" -> "example.com"), empty when there is none.
std::string domain_of(std::string_view address);

}  // namespace postjournal::tenant
