// postjournal status: is every source alive? One row per listener and mailbox (see
// state/status.hpp for the states and the exit status).
#include <sys/stat.h>

#include <iostream>

#include "commands.hpp"
#include "index/follower.hpp"
#include "render.hpp"
#include "retention/engine.hpp"
#include "stamp/check.hpp"
#include "state/progress.hpp"
#include "state/status.hpp"
#include "util/json_writer.hpp"

namespace postjournal::cli {

namespace {

std::string age(util::TimeUs now, util::TimeUs then) {
  if (then == 0) return "-";
  util::TimeUs s = (now - then) / 1000000;
  if (s < 0) return "0s";
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::uint64_t no_tenant_queue(const Context& ctx) {
  if (!archive::archive_exists(ctx.root, archive::TenantId::no_tenant())) return 0;
  return ctx.open_existing(archive::TenantId::no_tenant())->count();
}

std::map<std::string, state::SourceState> recorded(const Context& ctx) {
  struct stat st {};
  if (::stat((ctx.root + "/_state/data.mdb").c_str(), &st) != 0) return {};
  return ctx.service().state().all();
}

std::vector<index::Health> index_health(const Context& ctx) {
  std::vector<index::Health> out;
  for (const auto& t : archive::list_tenants(ctx.root)) {
    out.push_back(index::health(*ctx.open_existing(t), ctx.root));
  }
  return out;
}

// Lines about the storage settings; they do not change the exit code.
std::vector<std::string> warnings(const Context& ctx) {
  std::vector<std::string> out;
  struct stat st {};
  if (::stat((ctx.root + "/_state/data.mdb").c_str(), &st) == 0) {
    std::string why = ctx.service().state().recreated();
    if (!why.empty()) out.push_back("source state recreated at " + why);
  }
  if (ctx.config.archive_encryption == config::Encryption::kNone) {
    out.push_back(
        "archive.encryption is none: stored mail is not encrypted at rest (README, Storage)");
  }
  return out;
}

}  // namespace

int run_status(const Context& ctx, const Args& args) {
  util::TimeUs now = parse_time_option(args, "now").value_or(util::now_us());
  auto states = recorded(ctx);
  auto rows = state::evaluate(ctx.config, states, now);
  // Each tenant's stamps: their rows join the sources (a gap past timestamp.alert_after is
  // FAILING, which sets the exit status).
  auto stamps = stamp::gaps(ctx.config, ctx.root,
                            [&ctx](const archive::TenantId& t) { return ctx.open_existing(t); });
  auto stamp_rows = stamp::stamp_rows(ctx.config, stamps, states, now);
  rows.insert(rows.end(), stamp_rows.begin(), stamp_rows.end());
  std::uint64_t queue = no_tenant_queue(ctx);
  auto indexes = index_health(ctx);
  std::vector<std::pair<archive::TenantId, retention::Summary>> kept;
  for (const auto& t : archive::list_tenants(ctx.root)) {
    if (!t.is_no_tenant())
      kept.emplace_back(t, retention::summary(*ctx.open_existing(t), ctx.config));
  }
  if (args.has("json")) {
    util::JsonWriter w;
    w.begin_object().key("now").value(util::format_iso8601(now)).key("sources").begin_array();
    for (const auto& r : rows) {
      w.begin_object().key("name").value(r.name).key("kind").value(r.kind);
      w.key("tenant").value(r.tenant).key("active").value(r.active).key("type").value(r.type);
      w.key("state").value(state::to_string(r.health));
      w.key("last_message")
          .string_or_null(r.state.last_message ? util::format_iso8601(r.state.last_message) : "");
      w.key("last_id").string_or_null(r.state.last_id);
      w.key("messages_24h").value(r.last_24h).key("messages").value(r.state.messages);
      w.key("bytes").value(r.state.bytes);
      w.key("allowed_inactivity_hours").value(r.allowed_inactivity_hours);
      w.key("last_failure")
          .string_or_null(r.state.last_failure ? util::format_iso8601(r.state.last_failure) : "");
      w.key("last_failure_reason").string_or_null(r.state.last_failure_reason);
      w.key("failures").value(r.state.failures).end_object();
    }
    w.end_array().key("microsoft365").begin_array();
    for (const auto& m : ctx.config.microsoft365) {
      auto p = state::read_progress(ctx.root, m.name);
      w.begin_object().key("source").value(m.name);
      w.key("progress_written").string_or_null(p ? util::format_iso8601(p->written) : "");
      w.key("mailboxes").begin_array();
      if (p) {
        for (const auto& b : p->mailboxes) {
          w.begin_object().key("mailbox").value(b.mailbox).key("state").value(b.state);
          w.key("archived").value(b.archived).key("remaining").value(b.remaining);
          w.key("gaps").value(b.gaps).key("last_error").string_or_null(b.last_error).end_object();
        }
      }
      w.end_array().end_object();
    }
    w.end_array().key("no_tenant_queue").value(queue);
    w.key("indexes").begin_array();
    for (const auto& h : indexes) {
      w.begin_object().key("tenant").value(h.tenant.str()).key("state").value(h.verdict());
      w.key("watermark").value(h.state.watermark).key("documents").value(h.state.documents);
      w.key("deliveries").value(h.deliveries).key("lag").value(h.lag);
      w.key("lag_seconds")
          .value(static_cast<std::uint64_t>(h.oldest_unindexed == 0 || now < h.oldest_unindexed
                                                ? 0
                                                : (now - h.oldest_unindexed) / 1000000));
      w.key("extract_failed").value(h.state.extract_failed);
      w.key("truncated").value(h.state.truncated);
      w.key("rebuild_target").value(h.state.rebuild_target).end_object();
    }
    w.end_array().key("timestamps").begin_array();
    for (const auto& s : stamps) {
      const auto& g = s.gap;
      w.begin_object().key("tenant").value(s.tenant.str()).key("stamps").value(g.stamps);
      w.key("stamped_deliveries").value(g.last ? g.last->deliveries.seq : 0);
      w.key("last_tsa_time").string_or_null(g.last ? util::format_iso8601(g.last->gen_time) : "");
      w.key("unstamped_deliveries").value(g.unstamped);
      w.key("unstamped_audit_entries").value(g.unstamped_audit);
      w.key("oldest_unstamped")
          .string_or_null(g.oldest_unstamped ? util::format_iso8601(g.oldest_unstamped) : "");
      auto it = states.find(stamp::row_name(s.tenant));
      bool failing = it != states.end() && it->second.failing;
      w.key("last_error").string_or_null(failing ? it->second.last_failure_reason : "");
      w.end_object();
    }
    w.end_array().key("retention").begin_array();
    for (const auto& [t, r] : kept) {
      w.begin_object().key("tenant").value(t.str()).key("policy").value(r.has_policy);
      w.key("held").value(r.held).key("active_holds").value(r.active_holds);
      w.key("next_purge").string_or_null(r.next_expiry ? util::format_iso8601(*r.next_expiry) : "");
      w.key("purged").value(r.purged).key("erased").value(r.erased);
      w.key("unevaluated").value(r.unevaluated).end_object();
    }
    w.end_array().key("warnings").begin_array();
    for (const auto& line : warnings(ctx)) w.value(line);
    w.end_array().end_object();
    std::cout << w.str();
  } else {
    std::cout << pad("SOURCE", 24) << pad("KIND", 13) << pad("TENANT", 16) << pad("TYPE", 11)
              << pad("LAST MESSAGE", 22) << pad("AGE", 6) << pad("24H", 7) << "STATE\n";
    for (const auto& r : rows) {
      std::cout << pad(r.name, 24) << pad(r.kind, 13) << pad(r.tenant, 16) << pad(r.type, 11)
                << pad(r.state.last_message ? util::format_iso8601(r.state.last_message) : "never",
                       22)
                << pad(age(now, r.state.last_message), 6) << pad(std::to_string(r.last_24h), 7)
                << state::to_string(r.health);
      if (r.health == state::Health::kFailing)
        std::cout << " (" << r.state.last_failure_reason << ")";
      std::cout << "\n";
    }
    for (const auto& m : ctx.config.microsoft365) {
      auto p = state::read_progress(ctx.root, m.name);
      if (!p) continue;
      std::cout << "\n"
                << pad("MICROSOFT 365 " + m.name, 40) << pad("STATE", 17) << pad("ARCHIVED", 10)
                << pad("REMAINING", 11) << pad("GAPS", 6) << "LAST ERROR (progress of "
                << util::format_iso8601(p->written) << ")\n";
      for (const auto& b : p->mailboxes) {
        std::cout << pad(b.mailbox, 40) << pad(b.state, 17) << pad(std::to_string(b.archived), 10)
                  << pad(std::to_string(b.remaining), 11) << pad(std::to_string(b.gaps), 6)
                  << (b.last_error.empty() ? "-" : printable(b.last_error)) << "\n";
      }
    }
    std::cout << "No Tenant queue: " << queue << (queue == 1 ? " delivery" : " deliveries")
              << (queue > 0 ? " (postjournal queue)" : "") << "\n";
    if (!indexes.empty()) {
      std::cout << "\n"
                << pad("INDEX", 24) << pad("INDEXED UP TO", 15) << pad("DELIVERIES", 12)
                << pad("LAG", 8) << pad("LAG AGE", 9) << pad("EXTRACT FAILED", 16) << "STATE\n";
      for (const auto& h : indexes) {
        std::string verdict = h.verdict();
        if (verdict == "REBUILDING")
          verdict += " (" + std::to_string(h.state.watermark) + " of " +
                     std::to_string(h.state.rebuild_target) + ")";
        if (verdict == "MISSING") verdict += " (postjournal index, or the milter's indexer)";
        std::cout << pad(h.tenant.str(), 24) << pad(std::to_string(h.state.watermark), 15)
                  << pad(std::to_string(h.deliveries), 12) << pad(std::to_string(h.lag), 8)
                  << pad(h.lag > 0 ? age(now, h.oldest_unindexed) : "-", 9)
                  << pad(std::to_string(h.state.extract_failed), 16) << verdict << "\n";
      }
    }
  }
  if (!args.has("json") && !stamps.empty()) {
    std::cout << "\n"
              << pad("TIMESTAMPS", 24) << pad("STAMPS", 8) << pad("STAMPED UP TO", 15)
              << pad("LAST TSA TIME", 22) << pad("UNSTAMPED", 11) << pad("SINCE", 7)
              << "LAST ERROR\n";
    for (const auto& s : stamps) {
      const auto& g = s.gap;
      auto it = states.find(stamp::row_name(s.tenant));
      bool failing = it != states.end() && it->second.failing;
      std::cout << pad(s.tenant.str(), 24) << pad(std::to_string(g.stamps), 8)
                << pad(std::to_string(g.last ? g.last->deliveries.seq : 0), 15)
                << pad(g.last ? util::format_iso8601(g.last->gen_time) : "never", 22)
                << pad(std::to_string(g.unstamped + g.unstamped_audit), 11)
                << pad(g.oldest_unstamped ? age(now, g.oldest_unstamped) : "-", 7)
                << (failing ? printable(it->second.last_failure_reason) : "-") << "\n";
    }
  }
  if (!args.has("json") && !kept.empty()) {
    std::cout << "\n"
              << pad("RETENTION", 24) << pad("POLICY", 8) << pad("HELD", 8) << pad("HOLDS", 7)
              << pad("NEXT PURGE", 22) << pad("PURGED", 9) << pad("ERASED", 8) << "UNEVALUATED\n";
    for (const auto& [t, r] : kept) {
      std::string next = !r.next_expiry ? "-"
                         : *r.next_expiry <= now
                             ? "due (" + util::format_iso8601(*r.next_expiry) + ")"
                             : util::format_iso8601(*r.next_expiry);
      std::cout << pad(t.str(), 24) << pad(r.has_policy ? "yes" : "none", 8)
                << pad(std::to_string(r.held), 8) << pad(std::to_string(r.active_holds), 7)
                << pad(next, 22) << pad(std::to_string(r.purged), 9)
                << pad(std::to_string(r.erased), 8) << r.unevaluated << "\n";
    }
  }
  if (!args.has("json")) {
    for (const auto& line : warnings(ctx)) std::cout << "warning: " << line << "\n";
  }
  // The index rows and warnings are information: a fetch-only host has no indexer, and a lag of
  // seconds is normal. Alert on postjournal_index_lag_seconds instead.
  return state::status_exit_code(rows, queue);
}

}  // namespace postjournal::cli
