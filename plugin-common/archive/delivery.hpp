// A delivery: one received message plus the evidence of how it arrived. Fields a source does not
// have stay empty. `seq`, the content hash/size and the original's hash are filled in by the store.
// A delivery id is
// "<tenant>:<seq>" (for example "acme:42" or "_no-tenant:7"): stable, printable, unique per
// archive root. Plain data; thread-safe as a value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/tenant_id.hpp"
#include "archive/transport.hpp"
#include "journal/envelope.hpp"
#include "util/sha256.hpp"

namespace postjournal::archive {

struct Delivery {
  std::uint64_t seq = 0;  // assigned at commit; 1, 2, 3 ... per tenant
  Transport transport;
  // Set by `postjournal assign` (record version 3): the No Tenant delivery this one was moved
  // from ("_no-tenant:7"); the audit log says who moved it and why.
  std::string assigned_from;
  journal::JournalEnvelope envelope;
  std::vector<std::string> anomalies;
  util::Digest content_sha256{};
  std::uint64_t size = 0;
  util::Digest original_sha256{};  // of the embedded original (= content_sha256 for plain copies)
  bool operator==(const Delivery&) const = default;
};

struct DeliveryId {
  TenantId tenant;
  std::uint64_t seq;
  std::string str() const;
  static std::optional<DeliveryId> parse(std::string_view text);
};

// Lower-cased addresses under which a delivery is indexed: envelope sender, on-behalf-of, every
// recipient (BCC and expanded members included) and the lists they were expanded from, plus the
// SMTP MAIL FROM. Sorted, unique.
std::vector<std::string> participants(const Delivery& d);

}  // namespace postjournal::archive
