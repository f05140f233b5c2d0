// postjournal retention explain|apply, hold create|list|show|release, purge, erase
// request|approve|list and compact (retention/engine.hpp does the work; README, Retention and
// legal hold).
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "archive/maintain.hpp"
#include "archive/removal.hpp"
#include "commands.hpp"
#include "index/index.hpp"
#include "render.hpp"
#include "retention/engine.hpp"
#include "retention/json.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace postjournal::cli {

namespace {

// The real uid decides who someone is (four-eyes): sudo makes everyone root, and SUDO_USER is
// only recorded.
retention::Actor actor() {
  retention::Actor a;
  uid_t uid = ::getuid();
  a.uid = uid;
  std::string name = std::to_string(uid);
  if (const passwd* pw = ::getpwuid(uid)) name = pw->pw_name;
  a.name = name + " (uid " + std::to_string(uid) + ")";
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') {
    a.name += " (sudo by " + util::printable(sudo) + ", not verified)";
  }
  return a;
}

archive::TenantId tenant_of(const Context& ctx, const Args& args, const char* what) {
  auto t = ctx.selected_tenant(args);
  if (!t || t->is_no_tenant()) {
    throw UsageError(std::string(what) +
                     " needs --tenant T (the No Tenant queue has no retention: it is emptied by "
                     "triage)");
  }
  return *t;
}

std::string reason_of(const Args& args) {
  std::string r(util::trim(args.value("reason").value_or("")));
  if (r.empty()) throw UsageError("--reason TEXT is required: the audit log keeps it");
  return r;
}

// Read-only commands evaluate at --now; destructive ones only with --dry-run.
util::TimeUs now_of(const Args& args, bool destructive) {
  auto t = parse_time_option(args, "now");
  if (t && destructive && !args.has("dry-run")) {
    throw UsageError("--now is accepted only with --dry-run (a real purge happens now)");
  }
  return t.value_or(util::now_us());
}

std::string date_or(util::TimeUs t, const char* zero) {
  return t == 0 ? zero : t == INT64_MAX ? "never" : util::format_iso8601(t);
}

std::string id_of(const archive::TenantId& t, std::uint64_t seq) {
  return archive::DeliveryId{t, seq}.str();
}

// Engine errors are the user's to fix (exit 1); a locked delivery too.
template <class Fn>
auto guarded(Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const archive::LmdbError&) {
    throw;
  } catch (const index::QueryError& e) {
    throw UsageError(e.what());
  } catch (const index::IndexMissing& e) {
    throw CommandError(kExitTempFail, e.what());
  } catch (const std::runtime_error& e) {
    throw CommandError(kExitProblem, e.what());
  }
}

void entry_json(util::JsonWriter& w, const archive::RetentionEntry& e) {
  w.begin_object().key("policy").value(e.policy).key("rule").string_or_null(e.rule);
  w.key("keep").value(e.keep).key("minimum").value(e.minimum);
  w.key("keep_until").string_or_null(e.keep_until == 0 ? "" : date_or(e.keep_until, ""));
  w.key("minimum_until").string_or_null(e.minimum_until == 0 ? "" : date_or(e.minimum_until, ""));
  w.key("fixed_at").value(util::format_iso8601(e.fixed_at));
  w.key("audit_entry").value(e.audit_seq).end_object();
}

int retention_explain(const Context& ctx, const Args& args) {
  if (args.positional().size() != 2) throw UsageError("usage: postjournal retention explain ID");
  archive::DeliveryId id = parse_id(args.positional()[1]);
  util::TimeUs now = now_of(args, false);
  auto a = ctx.open_existing(id.tenant);
  auto x = guarded([&] { return retention::explain(*a, ctx.config, id.seq, now); });
  if (args.has("json")) {
    util::JsonWriter w;
    w.begin_object().key("id").value(id.str()).key("state").value(x.state).key("stored");
    if (x.stored) {
      entry_json(w, *x.stored);
    } else {
      w.null();
    }
    w.key("current");
    if (x.current) {
      w.begin_object().key("policy").value(x.current->policy);
      w.key("rule").string_or_null(x.current->rule).key("keep").value(x.current->keep.text());
      w.key("minimum").value(x.current->minimum.text()).key("rules").begin_array();
      for (const auto& t : x.current->trace) w.value(t);
      w.end_array().end_object();
    } else {
      w.null();
    }
    w.key("holds").begin_array();
    for (const auto& p : x.pins) w.value(p);
    w.end_array().end_object();
    std::cout << w.str();
    return kExitOk;
  }
  std::cout << id.str() << ": " << x.state << "\n";
  if (x.stored) {
    const auto& e = *x.stored;
    std::cout << "  fixed:    policy " << e.policy << (e.rule.empty() ? "" : ", rule " + e.rule)
              << ", keep " << e.keep << " (until " << date_or(e.keep_until, "forever")
              << "), minimum " << e.minimum << " (until " << date_or(e.minimum_until, "-")
              << "), at " << util::format_iso8601(e.fixed_at)
              << (e.audit_seq ? ", changed by audit entry " + std::to_string(e.audit_seq) : "")
              << "\n";
  }
  if (x.current) {
    std::cout << "  policy now: " << x.current->policy
              << (x.current->rule.empty() ? " (its own values)" : ", rule " + x.current->rule)
              << ", keep " << x.current->keep.text() << ", minimum " << x.current->minimum.text()
              << "\n";
    for (const auto& t : x.current->trace) std::cout << "    " << printable(t) << "\n";
    if (x.stored && (x.current->keep_until != x.stored->keep_until ||
                     x.current->minimum_until != x.stored->minimum_until)) {
      std::cout << "  the current policy differs from the fixed one; `postjournal retention "
                   "apply --tenant "
                << id.tenant.str() << "` lengthens stored retention, never shortens it\n";
    }
  } else {
    std::cout << "  policy now: none (retention.policies has no entry for " << id.tenant.str()
              << " and there is no retention.default)\n";
  }
  for (const auto& p : x.pins) std::cout << "  legal hold: " << printable(p) << "\n";
  return kExitOk;
}

int retention_apply(const Context& ctx, const Args& args) {
  archive::TenantId t = tenant_of(ctx, args, "retention apply");
  util::TimeUs now = now_of(args, true);
  auto a = ctx.open_existing(t);
  auto r =
      guarded([&] { return retention::apply(*a, ctx.config, now, args.has("dry-run"), actor()); });
  if (args.has("json")) {
    util::JsonWriter w;
    w.begin_object().key("dry_run").value(r.dry_run).key("examined").value(r.examined);
    w.key("unchanged").value(r.unchanged).key("lengthened").value(r.lengthened);
    w.key("assigned").value(r.assigned).key("shorter_kept").value(r.shorter_kept);
    w.key("samples").begin_array();
    for (const auto& s : r.samples) w.value(s);
    w.end_array().end_object();
    std::cout << w.str();
    return kExitOk;
  }
  std::cout << t.str() << ": " << (r.dry_run ? "would apply" : "applied")
            << " the current policy to " << r.examined << " deliveries: " << r.lengthened
            << " lengthened, " << r.assigned << " given a retention for the first time, "
            << r.unchanged << " unchanged, " << r.shorter_kept
            << " kept at their longer fixed retention (never shortened)\n";
  for (const auto& s : r.samples) std::cout << "  " << s << "\n";
  return kExitOk;
}

}  // namespace

int run_retention(const Context& ctx, const Args& args) {
  const auto& pos = args.positional();
  if (pos.empty()) throw UsageError("usage: postjournal retention explain ID | apply --tenant T");
  if (pos[0] == "explain") return retention_explain(ctx, args);
  if (pos[0] == "apply") {
    if (pos.size() != 1) throw UsageError("retention apply takes no arguments besides options");
    return retention_apply(ctx, args);
  }
  throw UsageError("unknown retention subcommand '" + pos[0] + "' (explain, apply)");
}

namespace {

void hold_text(const retention::HoldReport& h) {
  const auto& x = h.hold;
  std::cout << x.name << "  " << (x.active() ? "ACTIVE  " : "RELEASED") << "  " << x.kind
            << (x.scope.empty() ? "" : " " + printable(x.scope)) << "  held " << h.pinned
            << "  created " << util::format_iso8601(x.created) << " by " << printable(x.created_by)
            << "  reason: " << printable(x.reason);
  if (!x.active()) {
    std::cout << "  released " << util::format_iso8601(x.released) << " by "
              << printable(x.released_by) << ": " << printable(x.release_reason);
  }
  std::cout << "\n";
}

}  // namespace

int run_hold(const Context& ctx, const Args& args) {
  const auto& pos = args.positional();
  if (pos.empty()) throw UsageError("usage: postjournal hold create|list|show|release ...");
  archive::TenantId t = tenant_of(ctx, args, "hold");
  const std::string& sub = pos[0];
  if (sub == "create") {
    if (pos.size() != 2) throw UsageError("usage: postjournal hold create NAME --tenant T ...");
    retention::HoldRequest q;
    q.name = pos[1];
    int kinds =
        (args.has("query") ? 1 : 0) + (args.has("address") ? 1 : 0) + (args.has("all") ? 1 : 0);
    if (kinds != 1) throw UsageError("hold create needs exactly one of --query, --address, --all");
    q.kind = args.has("query") ? "query" : args.has("address") ? "address" : "all";
    q.scope = args.value("query").value_or(args.value("address").value_or(""));
    q.reason = reason_of(args);
    auto a = ctx.open_for_write(t);
    auto r =
        guarded([&] { return retention::create_hold(*a, ctx.config, q, actor(), util::now_us()); });
    util::log(util::LogLevel::kInfo, "hold created tenant=" + t.str() + " hold=" + q.name +
                                         " kind=" + q.kind + " held=" + std::to_string(r.pinned));
    if (args.has("json")) {
      util::JsonWriter w;
      retention::hold_json(w, r);
      std::cout << w.str();
    } else {
      std::cout << "hold " << q.name << " created on tenant " << t.str() << ": " << r.pinned
                << " deliveries held now, and every future one in its scope (audit entry "
                << r.hold.create_audit << ")\n";
    }
    return kExitOk;
  }
  if (sub == "release") {
    if (pos.size() != 2) throw UsageError("usage: postjournal hold release NAME --tenant T ...");
    std::string reason = reason_of(args);
    auto a = ctx.open_existing(t);
    auto r = guarded(
        [&] { return retention::release_hold(*a, pos[1], reason, actor(), util::now_us()); });
    util::log(util::LogLevel::kInfo, "hold released tenant=" + t.str() + " hold=" + pos[1] +
                                         " unpinned=" + std::to_string(r.pinned));
    std::cout << "hold " << pos[1] << " released: " << r.pinned
              << " deliveries no longer held by it (audit entry " << r.hold.release_audit << ")\n";
    return kExitOk;
  }
  if (sub == "list" || sub == "show") {
    if (sub == "show" && pos.size() != 2) throw UsageError("usage: postjournal hold show NAME");
    auto a = ctx.open_existing(t);
    auto all = retention::holds(*a);
    std::vector<retention::HoldReport> shown;
    for (auto& h : all) {
      if (sub == "list" || h.hold.name == pos[1]) shown.push_back(std::move(h));
    }
    if (sub == "show" && shown.empty()) {
      throw CommandError(kExitProblem, "no hold '" + pos[1] + "' on tenant " + t.str());
    }
    if (args.has("json")) {
      util::JsonWriter w;
      if (sub == "show") {
        retention::hold_json(w, shown[0]);
      } else {
        w.begin_array();
        for (const auto& h : shown) retention::hold_json(w, h);
        w.end_array();
      }
      std::cout << w.str();
      return kExitOk;
    }
    for (const auto& h : shown) hold_text(h);
    if (sub == "list") std::cout << shown.size() << (shown.size() == 1 ? " hold\n" : " holds\n");
    return kExitOk;
  }
  throw UsageError("unknown hold subcommand '" + sub + "' (create, list, show, release)");
}

int run_purge(const Context& ctx, const Args& args) {
  bool dry = args.has("dry-run");
  util::TimeUs now = now_of(args, true);
  std::vector<archive::TenantId> tenants;
  if (ctx.selected_tenant(args)) {
    tenants.push_back(tenant_of(ctx, args, "purge"));
  } else {
    for (const auto& t : archive::list_tenants(ctx.root)) {
      if (!t.is_no_tenant()) tenants.push_back(t);
    }
  }
  util::JsonWriter w;
  bool json = args.has("json");
  if (json) w.begin_object().key("dry_run").value(dry).key("tenants").begin_array();
  for (const auto& t : tenants) {
    auto a = ctx.open_existing(t);
    auto r = guarded([&] { return retention::purge(*a, ctx.config, now, dry); });
    if (!dry && !r.purged.empty()) {
      util::log(util::LogLevel::kInfo, "purge tenant=" + t.str() +
                                           " purged=" + std::to_string(r.purged.size()) +
                                           " kept=" + std::to_string(r.kept.size()) +
                                           " bytes_released=" + std::to_string(r.bytes_released));
      a.reset();
      if (!index_tenant(ctx, t, false)) {
        std::cerr << "postjournal: " << t.str()
                  << ": the index is being written by another process, which drops the purged "
                     "deliveries on its next pass\n";
      }
    }
    if (json) {
      w.begin_object().key("tenant").value(t.str()).key("purged").begin_array();
      for (const auto& p : r.purged) w.value(id_of(t, p.seq));
      w.end_array().key("kept").begin_array();
      for (const auto& p : r.kept) {
        w.begin_object().key("id").value(id_of(t, p.seq)).key("why").value(p.why_kept);
        w.end_object();
      }
      w.end_array().key("bytes_released").value(r.bytes_released);
      w.key("waiting").string_or_null(r.reach.waiting).end_object();
      continue;
    }
    for (const auto& p : r.purged) {
      std::cout << (dry ? "would purge " : "purged ") << id_of(t, p.seq) << "  expired "
                << util::format_iso8601(p.keep_until) << "  policy " << p.policy
                << (p.rule.empty() ? "" : " rule " + p.rule) << "\n";
    }
    for (const auto& p : r.kept) {
      std::cout << "kept " << id_of(t, p.seq) << "  expired " << util::format_iso8601(p.keep_until)
                << "  " << p.why_kept << "\n";
    }
    std::cout << t.str() << ": " << r.purged.size() << (dry ? " would be purged, " : " purged, ")
              << r.kept.size() << " expired but kept"
              << (dry ? "" : ", " + std::to_string(r.bytes_released) + " bytes released")
              << (r.reach.waiting.empty() ? "" : "; not yet evaluated: " + r.reach.waiting) << "\n";
  }
  if (json) {
    w.end_array().end_object();
    std::cout << w.str();
  }
  return kExitOk;
}

namespace {

void erasure_text(const archive::TenantId& t, const archive::ErasureRequest& q) {
  std::cout << "erasure request " << q.id << " (" << q.state << ") on tenant " << t.str() << ": "
            << printable(q.scope) << "\n  requested " << util::format_iso8601(q.requested) << " by "
            << printable(q.requested_by) << ", reason: " << printable(q.reason) << "\n";
  if (q.approved) {
    std::cout << "  approved " << util::format_iso8601(q.approved) << " by "
              << printable(q.approved_by) << "\n";
  }
  for (auto s : q.erase) std::cout << "  erase " << id_of(t, s) << "\n";
  for (const auto& [s, why] : q.kept) std::cout << "  keep  " << id_of(t, s) << "  " << why << "\n";
}

void erasure_json(util::JsonWriter& w, const archive::TenantId& t,
                  const archive::ErasureRequest& q) {
  w.begin_object().key("request").value(q.id).key("state").value(q.state);
  w.key("scope").value(q.scope).key("reason").value(q.reason);
  w.key("requested").value(util::format_iso8601(q.requested));
  w.key("requested_by").value(q.requested_by);
  w.key("approved_by").string_or_null(q.approved_by).key("erase").begin_array();
  for (auto s : q.erase) w.value(id_of(t, s));
  w.end_array().key("kept").begin_array();
  for (const auto& [s, why] : q.kept) {
    w.begin_object().key("id").value(id_of(t, s)).key("why").value(why).end_object();
  }
  w.end_array().end_object();
}

}  // namespace

int run_erase(const Context& ctx, const Args& args) {
  const auto& pos = args.positional();
  if (pos.empty()) throw UsageError("usage: postjournal erase request|approve|list ...");
  archive::TenantId t = tenant_of(ctx, args, "erase");
  const std::string& sub = pos[0];
  if (sub == "list") {
    auto a = ctx.open_existing(t);
    std::vector<archive::ErasureRequest> all;
    a->in_read([&](const archive::Txn& txn, const archive::Databases& dbs) {
      all = archive::list_erasures(txn, dbs);
    });
    if (args.has("json")) {
      util::JsonWriter w;
      w.begin_array();
      for (const auto& q : all) erasure_json(w, t, q);
      w.end_array();
      std::cout << w.str();
    } else {
      for (const auto& q : all) erasure_text(t, q);
    }
    return kExitOk;
  }
  if (sub == "request") {
    retention::ErasureScope s;
    s.address = args.value("address").value_or("");
    s.query = args.value("query").value_or("");
    for (std::size_t i = 1; i < pos.size(); ++i) {
      auto id = parse_id(pos[i]);
      if (id.tenant != t) throw UsageError(pos[i] + " is not a delivery of tenant " + t.str());
      s.seqs.push_back(id.seq);
    }
    std::string reason = reason_of(args);
    auto a = ctx.open_existing(t);
    auto q = guarded([&] {
      return retention::request_erasure(*a, ctx.config, s, reason, actor(), util::now_us());
    });
    util::log(util::LogLevel::kInfo, "erasure requested tenant=" + t.str() +
                                         " request=" + std::to_string(q.id) +
                                         " erase=" + std::to_string(q.erase.size()) +
                                         " kept=" + std::to_string(q.kept.size()));
    if (args.has("json")) {
      util::JsonWriter w;
      erasure_json(w, t, q);
      std::cout << w.str();
    } else {
      erasure_text(t, q);
      std::cout << "another person approves it with: postjournal erase approve " << q.id
                << " --tenant " << t.str() << "\n";
    }
    return kExitOk;
  }
  if (sub == "approve") {
    unsigned long long id = 0;
    if (pos.size() != 2 || !util::parse_u64(pos[1], id)) {
      throw UsageError("usage: postjournal erase approve REQUEST --tenant T");
    }
    auto a = ctx.open_existing(t);
    bool encrypted = a->encrypted();
    auto r = guarded(
        [&] { return retention::approve_erasure(*a, ctx.config, id, actor(), util::now_us()); });
    util::log(util::LogLevel::kInfo, "erasure approved tenant=" + t.str() +
                                         " request=" + std::to_string(id) +
                                         " erased=" + std::to_string(r.erased.size()));
    for (auto s : r.erased) std::cout << "erased " << id_of(t, s) << "\n";
    for (const auto& [s, why] : r.kept) std::cout << "kept " << id_of(t, s) << "  " << why << "\n";
    for (const auto& [s, why] : r.shared)
      std::cout << "note " << id_of(t, s) << "  " << why << "\n";
    a.reset();
    if (r.erased.empty()) {
      std::cout << "erasure request " << id << " done: nothing erased, " << r.kept.size()
                << " kept\n";
      return kExitOk;
    }
    // The index forgets the erased mail and is rewritten without the free blocks that held it.
    bool indexed = false;
    for (int i = 0; i < 60 && !indexed; ++i) {
      indexed = index_tenant(ctx, t, true);
      if (!indexed) ::sleep(1);  // the milter's indexer releases the lock between passes
    }
    ctx.close_archives();
    auto opts = ingest::archive_options(ctx.config).storage;
    auto progress = [](const std::string& line) { std::cerr << "postjournal: " << line << "\n"; };
    if (encrypted) {
      auto rot = archive::rotate_key(ctx.root, t, opts, progress);
      std::cout << t.str() << ": key rotated (KEK " << rot.from << " -> " << rot.to
                << "): data keys left in freed pages can no longer be unwrapped\n";
    } else {
      auto m = archive::migrate(ctx.root, t, opts, progress);
      std::cout << t.str() << ": compacted (" << m.pages_before << " -> " << m.pages_after
                << " pages): the erased bytes are gone from the archive file\n";
    }
    std::cout << "erasure request " << id << " done: " << r.erased.size() << " erased, "
              << r.kept.size() << " kept"
              << (indexed ? ""
                          : "; the index is still locked by "
                            "another process: run postjournal "
                            "index --tenant " +
                                t.str())
              << "\n";
    return indexed ? kExitOk : kExitTempFail;
  }
  throw UsageError("unknown erase subcommand '" + sub + "' (request, approve, list)");
}

int run_compact(const Context& ctx, const Args& args) {
  auto selected = ctx.selected_tenant(args);
  if (!selected) throw UsageError("compact needs --tenant T or --no-tenant");
  archive::TenantId t = *selected;
  auto opts = ingest::archive_options(ctx.config).storage;
  auto m = archive::migrate(ctx.root, t, opts, [](const std::string& line) {
    std::cerr << "postjournal: " << line << "\n";
  });
  std::cout << t.str() << ": compacted from " << m.pages_before << " to " << m.pages_after
            << " pages of " << m.page_size << " bytes (" << m.deliveries << " deliveries, "
            << m.blobs << " blobs rewritten)\n";
  return kExitOk;
}

}  // namespace postjournal::cli
