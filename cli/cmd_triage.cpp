// postjournal queue / assign / delete / audit: triage of the No Tenant queue. assign and delete
// only act on No Tenant deliveries; tenant archives are never edited. Both leave a tombstone and
// an audit entry in the No Tenant archive, in the same transaction as the removal (removal.hpp).
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "archive/removal.hpp"
#include "archive/triage.hpp"
#include "commands.hpp"
#include "config/tenants.hpp"
#include "render.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace postjournal::cli {

namespace {

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

archive::AuditEntry new_entry(const char* action, const std::string& reason) {
  archive::AuditEntry e;
  e.time = util::now_us();
  e.user = invoking_user();
  e.action = action;
  e.reason = reason;
  return e;
}

void print_removal(const Args& args, const archive::AuditEntry& e) {
  util::log_init("postjournal", false);
  archive::log_triage(e);
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
      w.key("reason").string_or_null(archive::unassigned_reason(d)).end_object();
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
              << "  " << pad(printable(abbreviated(archive::queued_recipients(d))), 28) << "  "
              << printable(archive::unassigned_reason(d)) << "\n";
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
  if (!config::tenant_known(ctx.config, ctx.root, *target)) {
    throw CommandError(kExitUsage, "tenant '" + target->str() +
                                       "' has no archive and no listener or mailbox in the "
                                       "configuration (a typo?)");
  }
  auto queue = ctx.open_existing(id.tenant);
  auto to = ctx.open_for_write(*target);
  archive::AuditEntry e;
  try {
    e = archive::assign_delivery(*queue, id.seq, *to, new_entry("assign", reason));
  } catch (const archive::AssignError& err) {
    switch (err.kind) {
      case archive::AssignError::Kind::kNoDelivery:
        throw CommandError(kExitProblem, "no delivery " + id.str() + removed_note(ctx, id));
      case archive::AssignError::Kind::kContentMissing:
        throw CommandError(kExitSoftware, err.what());
      case archive::AssignError::Kind::kStoreFailed:
        throw CommandError(kExitTempFail, err.what());
    }
    throw;
  }
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
