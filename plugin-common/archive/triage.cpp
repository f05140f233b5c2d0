#include "archive/triage.hpp"

#include <optional>
#include <string_view>

#include "archive/message_bytes.hpp"
#include "util/log.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

namespace postjournal::archive {

std::string unassigned_reason(const Delivery& d) {
  constexpr std::string_view kPrefix = "unassigned:";
  for (const auto& a : d.anomalies) {
    if (a.rfind(kPrefix, 0) == 0) return a.substr(kPrefix.size());
  }
  return d.transport.source == "import" ? "imported without a tenant" : "";
}

std::vector<std::string> queued_recipients(const Delivery& d) {
  std::vector<std::string> out;
  for (const auto& r : d.envelope.recipients) out.push_back(r.address);
  return out.empty() ? d.transport.rcpt_to : out;
}

namespace {

std::optional<std::uint64_t> earlier_copy(const TenantArchive& to, const Delivery& from,
                                          const std::string& id) {
  SearchQuery q;
  q.content_sha256 = from.content_sha256;
  for (const auto& d : to.search(q)) {
    if (d.assigned_from == id) return d.seq;
  }
  return std::nullopt;
}

}  // namespace

AuditEntry assign_delivery(TenantArchive& queue, std::uint64_t seq, TenantArchive& to,
                           AuditEntry entry) {
  std::string id = DeliveryId{queue.tenant(), seq}.str();
  auto d = queue.get(seq);
  if (!d) throw AssignError(AssignError::Kind::kNoDelivery, "no delivery " + id);
  auto stored = earlier_copy(to, *d, id);
  if (!stored) {
    std::string bytes;
    bytes.reserve(static_cast<std::size_t>(d->size));
    if (!queue.read(d->content_sha256, 0, d->size, [&](std::string_view p) { bytes += p; })) {
      throw AssignError(AssignError::Kind::kContentMissing,
                        id + ": its content is missing (run verify)");
    }
    Delivery copy = *d;
    copy.seq = 0;
    copy.assigned_from = id;
    auto r = to.store(std::move(copy), MessageBytes::from_string(std::move(bytes)));
    if (!r.ok()) {
      throw AssignError(AssignError::Kind::kStoreFailed,
                        "storing into " + to.tenant().str() + ": " + r.detail);
    }
    stored = r.seq;
  }
  entry.action = "assign";
  entry.moved_to = DeliveryId{to.tenant(), *stored}.str();
  queue.remove(seq, entry);
  return entry;
}

void log_triage(const AuditEntry& e) {
  util::log(util::LogLevel::kInfo,
            "audit: entry=" + std::to_string(e.seq) + " user=" + util::printable(e.user) +
                " action=" + e.action + " delivery=" + e.delivery +
                (e.moved_to.empty() ? "" : " moved_to=" + e.moved_to) + " sha256=" +
                util::to_hex(e.content_sha256) + " reason=" + util::printable(e.reason));
}

}  // namespace postjournal::archive
