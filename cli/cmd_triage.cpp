// postjournal queue / assign / delete / audit: triage of the No Tenant queue. assign and delete
// only act on No Tenant deliveries; tenant archives are never edited. Both leave a tombstone and
// an audit entry in the No Tenant archive, in the same transaction as the removal (removal.hpp).
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "archive/removal.hpp"
#include "commands.hpp"
#include "render.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace postjournal::cli {

namespace {

// Why a delivery is in the No Tenant queue: the resolver's "unassigned:" anomaly.
std::string unassigned_reason(const archive::Delivery& d) {
  constexpr std::string_view kPrefix = "unassigned:";
  for (const auto& a : d.anomalies) {
    if (a.rfind(kPrefix, 0) == 0) return a.substr(kPrefix.size());
  }
  return d.transport.source == "import" ? "imported without a tenant" : "";
}

std::vector<std::string> recipients_of(const archive::Delivery& d) {
  std::vector<std::string> out;
  for (const auto& r : d.envelope.recipients) out.push_back(r.address);
  return out.empty() ? d.transport.rcpt_to : out;
}

std::string abbreviated(const std::vector<std::string>& v) {
  if (v.empty()) return "-";
  return v.size() == 1 ? v[0] : v[0] + " +" + std::to_string(v.size() - 1);
}

std::string required_reason(const Args& args) {
  std::string reason(util::trim(args.value("reason").value_or("")));
  if (reason.empty()) throw UsageError("--reason TEXT is required: the audit log keeps it");
  return reason;
}

archive::DeliveryId no_tenant_id(const Args& args, const char* command) {
  if (args.positional().size() != 1) {
    throw UsageError(std::string(command) + " needs exactly one delivery ID");
  }
  archive::DeliveryId id = parse_id(args.positional()[0]);
  if (!id.tenant.is_no_tenant()) {
    throw CommandError(kExitUsage, std::string(command) + " acts on No Tenant deliveries (" +
                                       std::string(archive::kNoTenantName) +
                                       ":N) only; tenant archives are never edited");
  }
  return id;
}

bool tenant_known(const Context& ctx, const archive::TenantId& t) {
  for (const auto& l : ctx.config.listeners) {
    if (l.tenant == t.str()) return true;
  }
  for (const auto& m : ctx.config.mailboxes) {
    if (m.tenant == t.str()) return true;
  }
  for (const auto& existing : archive::list_tenants(ctx.root)) {
    if (existing == t) return true;
  }
  return false;
}

archive::AuditEntry new_entry(const char* action, const std::string& reason) {
  archive::AuditEntry e;
  e.time = util::now_us();
  e.user = invoking_user();
  e.action = action;
  e.reason = reason;
  return e;
}

// The delivery of `to` that an earlier, interrupted assign of `from` already stored, if any:
// makes assign safe to repeat after a crash between the copy and the removal.
std::optional<std::uint64_t> earlier_copy(const archive::TenantArchive& to,
                                          const archive::Delivery& from, const std::string& id) {
  archive::SearchQuery q;
  q.content_sha256 = from.content_sha256;
  for (const auto& d : to.search(q)) {
    if (d.assigned_from == id) return d.seq;
  }
  return std::nullopt;
}

// One syslog line (facility mail) per audited action, for operators who grep the mail log.
void log_removal(const archive::AuditEntry& e) {
  util::log_init("postjournal", false);
  util::log(util::LogLevel::kInfo,
            "audit: entry=" + std::to_string(e.seq) + " user=" + printable(e.user) +
                " action=" + e.action + " delivery=" + e.delivery +
                (e.moved_to.empty() ? "" : " moved_to=" + e.moved_to) +
                " sha256=" + util::to_hex(e.content_sha256) + " reason=" + printable(e.reason));
}

void print_removal(const Args& args, const archive::AuditEntry& e) {
  log_removal(e);
  if (args.has("json")) {
    util::JsonWriter w;
    w.begin_object().key("action").value(e.action).key("delivery").value(e.delivery);
    w.key("moved_to").string_or_null(e.moved_to).key("audit_entry").value(e.seq).end_object();
    std::cout << w.str();
    return;
  }
  std::cout << (e.action == "assign" ? "assigned " + e.delivery + " to " + e.moved_to
                                     : "deleted " + e.delivery)
            << " (audit entry " << e.seq << ")\n";
}

}  // namespace

int run_queue(const Context& ctx, const Args& args) {
  archive::TenantId t = ctx.selected_tenant(args).value_or(archive::TenantId::no_tenant());
  std::size_t limit = limit_option(args, 100);
  std::vector<archive::Delivery> items;
  if (t.is_no_tenant() && !archive::archive_exists(ctx.root, t)) {
    items = {};  // nothing was ever queued
  } else {
    items = ctx.open_existing(t)->list({}, limit);
  }
  if (args.has("json")) {
    util::JsonWriter w;
    w.begin_array();
    for (const auto& d : items) {
      w.begin_object();
      summary_json(w, Listed{t, d});
      w.key("smtp_recipients").begin_array();
      for (const auto& r : d.transport.rcpt_to) w.value(r);
      w.end_array();
      w.key("reason").string_or_null(unassigned_reason(d)).end_object();
    }
    w.end_array();
    std::cout << w.str();
    return kExitOk;
  }
  std::cout << pad("ID", 16) << "  " << pad("RECEIVED", 20) << "  " << pad("SOURCE", 14) << "  "
            << pad("SENDER", 28) << "  " << pad("RECIPIENTS", 28) << "  REASON\n";
  for (const auto& d : items) {
    std::cout << pad(archive::DeliveryId{t, d.seq}.str(), 16) << "  "
              << util::format_iso8601(d.transport.received) << "  "
              << pad(printable(d.transport.source), 14) << "  "
              << pad(printable(d.envelope.sender.empty() ? d.transport.mail_from
                                                         : d.envelope.sender),
                     28)
              << "  " << pad(printable(abbreviated(recipients_of(d))), 28) << "  "
              << printable(unassigned_reason(d)) << "\n";
  }
  std::cout << items.size() << (items.size() == 1 ? " delivery" : " deliveries")
            << (t.is_no_tenant() ? " in the No Tenant queue" : " of tenant " + t.str()) << "\n";
  return kExitOk;
}

int run_assign(const Context& ctx, const Args& args) {
  archive::DeliveryId id = no_tenant_id(args, "assign");
  auto target = ctx.selected_tenant(args);
  if (!target || target->is_no_tenant()) throw UsageError("assign needs --tenant T");
  std::string reason = required_reason(args);
  if (!tenant_known(ctx, *target)) {
    throw CommandError(kExitUsage, "tenant '" + target->str() +
                                       "' has no archive and no listener or mailbox in the "
                                       "configuration (a typo?)");
  }
  auto queue = ctx.open_existing(id.tenant);
  auto d = queue->get(id.seq);
  if (!d) throw CommandError(kExitProblem, "no delivery " + id.str() + removed_note(ctx, id));
  auto to = ctx.open_for_write(*target);
  auto seq = earlier_copy(*to, *d, id.str());
  if (!seq) {
    std::string bytes;
    bytes.reserve(static_cast<std::size_t>(d->size));
    if (!queue->read(d->content_sha256, 0, d->size, [&](std::string_view p) { bytes += p; })) {
      throw CommandError(kExitSoftware, id.str() + ": its content is missing (run verify)");
    }
    archive::Delivery copy = *d;
    copy.seq = 0;
    copy.assigned_from = id.str();
    auto r = to->store(std::move(copy), archive::MessageBytes::from_string(std::move(bytes)));
    if (!r.ok())
      throw CommandError(kExitTempFail, "storing into " + target->str() + ": " + r.detail);
    seq = r.seq;
  }
  archive::AuditEntry e = new_entry("assign", reason);
  e.moved_to = archive::DeliveryId{*target, *seq}.str();
  queue->remove(id.seq, e);
  print_removal(args, e);
  return kExitOk;
}

int run_delete(const Context& ctx, const Args& args) {
  archive::DeliveryId id = no_tenant_id(args, "delete");
  std::string reason = required_reason(args);
  auto queue = ctx.open_existing(id.tenant);
  archive::AuditEntry e = new_entry("delete", reason);
  try {
    queue->remove(id.seq, e);
  } catch (const archive::LmdbError&) {
    throw;
  } catch (const std::runtime_error& err) {
    throw CommandError(kExitProblem, err.what());
  }
  print_removal(args, e);
  return kExitOk;
}

int run_audit(const Context& ctx, const Args& args) {
  archive::TenantId t = ctx.selected_tenant(args).value_or(archive::TenantId::no_tenant());
  std::vector<archive::AuditEntry> entries;
  archive::VerifyReport report;
  if (archive::archive_exists(ctx.root, t)) {
    auto a = ctx.open_existing(t);
    entries = a->audit();
    report = a->verify_audit();
  }
  if (args.has("json")) {
    util::JsonWriter w;
    w.begin_object().key("entries").begin_array();
    for (const auto& e : entries) {
      w.begin_object().key("seq").value(e.seq);
      w.key("time").value(util::format_iso8601(e.time)).key("user").value(e.user);
      w.key("action").value(e.action).key("delivery").value(e.delivery);
      w.key("moved_to").string_or_null(e.moved_to);
      w.key("sha256").value(util::to_hex(e.content_sha256)).key("reason").value(e.reason);
      w.key("detail").string_or_null(e.detail);
      w.end_object();
    }
    w.end_array().key("chain_ok").value(report.ok()).end_object();
    std::cout << w.str();
  } else {
    for (const auto& e : entries) {
      std::cout << e.seq << "  " << util::format_iso8601(e.time) << "  " << printable(e.user)
                << "  " << e.action << (e.delivery.empty() ? "" : " " + e.delivery)
                << (e.moved_to.empty() ? "" : " -> " + e.moved_to)
                << (e.delivery.empty() ? "" : "  sha256=" + util::to_hex(e.content_sha256))
                << "  reason: " << printable(e.reason)
                << (e.detail.empty() ? "" : "  " + printable(e.detail)) << "\n";
    }
    std::cout << entries.size() << (entries.size() == 1 ? " entry" : " entries") << "; chain "
              << (report.ok() ? "verified" : "BROKEN") << "\n";
  }
  for (const auto& p : report.problems) std::cerr << p.where << ": " << p.what << "\n";
  return report.ok() ? kExitOk : kExitProblem;
}

std::string removed_note(const Context& ctx, const archive::DeliveryId& id) {
  if (!archive::archive_exists(ctx.root, id.tenant)) return "";
  auto a = ctx.open_existing(id.tenant);
  std::optional<archive::AuditEntry> e;
  a->in_read([&](const archive::Txn& txn, const archive::Databases& dbs) {
    if (auto t = archive::load_tombstone(txn, dbs, id.seq))
      e = archive::load_audit(txn, dbs, t->audit_seq);
  });
  if (!e) return "";
  return " (removed: audit entry " + std::to_string(e->seq) + ", " + e->action + " by " + e->user +
         " at " + util::format_iso8601(e->time) +
         (e->moved_to.empty() ? "" : ", now " + e->moved_to) + ")";
}

}  // namespace postjournal::cli
