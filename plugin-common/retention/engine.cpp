#include "retention/engine.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "archive/keys.hpp"
#include "archive/query.hpp"
#include "archive/removal.hpp"
#include "index/index.hpp"
#include "util/strings.hpp"

namespace postjournal::retention {

namespace {

using archive::Databases;
using archive::Txn;
using SeqSet = std::set<std::uint64_t>;

constexpr std::uint64_t kFixBatch = 1000;
constexpr std::string_view kNotYet = "not yet";

std::string index_of(const archive::TenantArchive& a) {
  return a.dir() + "/index";
}

SeqSet query_set(const archive::TenantArchive& a, const std::string& query) {
  SeqSet out;
  index::Searcher s(index_of(a), &a);
  s.for_each(query, [&out](std::uint64_t seq) { out.insert(seq); });
  return out;
}

// Query results computed once per run, by query text.
class QueryCache {
 public:
  explicit QueryCache(const archive::TenantArchive& a) : a_(a) {}
  const SeqSet& get(const std::string& q) {
    auto it = sets_.find(q);
    if (it == sets_.end()) it = sets_.emplace(q, query_set(a_, q)).first;
    return it->second;
  }

 private:
  const archive::TenantArchive& a_;
  std::map<std::string, SeqSet> sets_;
};

std::string tenant_name(const archive::TenantArchive& a) {
  return a.tenant().str();
}

bool hold_matches(const archive::Hold& h, const archive::Delivery& d, QueryCache& qc) {
  if (h.kind == "all") return true;
  if (h.kind == "address") {
    for (const auto& p : archive::participants(d)) {
      if (util::iequals_ascii(p, h.scope)) return true;
    }
    return false;
  }
  if (h.kind == "query") return qc.get(h.scope).count(d.seq) > 0;
  return true;  // an unknown kind holds everything (safe side)
}

std::vector<archive::Hold> active_holds(const Txn& txn, const Databases& dbs) {
  std::vector<archive::Hold> out;
  for (auto& h : archive::list_holds(txn, dbs)) {
    if (h.active()) out.push_back(std::move(h));
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string date_or(util::TimeUs t, const char* zero) {
  return t == 0 ? zero : t == INT64_MAX ? "forever" : util::format_iso8601(t);
}

// "forever" (0) is the latest keep date.
util::TimeUs keep_key(util::TimeUs t) {
  return t == 0 ? INT64_MAX : t;
}

// Why an expired delivery must stay, or "" when it may go (in the caller's transaction).
std::string why_kept(const Txn& txn, const Databases& dbs, const archive::Delivery& d,
                     const archive::RetentionEntry* e, const std::vector<archive::Hold>& holds,
                     QueryCache& qc, util::TimeUs now, const Reach& r) {
  if (d.seq > r.removable_to) return std::string(kNotYet) + " indexed";
  if (d.seq > r.holds_evaluated) return std::string(kNotYet) + " evaluated against the legal holds";
  if (auto pins = archive::pins_of(txn, dbs, d.seq); !pins.empty()) {
    return "legal hold " + join(pins);
  }
  for (const auto& h : holds) {
    if (hold_matches(h, d, qc)) return "legal hold " + h.name + " (matches its scope)";
  }
  if (e != nullptr && e->minimum_until > now) {
    return "minimum retention until " + date_or(e->minimum_until, "-") + " (policy " + e->policy +
           (e->rule.empty() ? "" : ", rule " + e->rule) + ")";
  }
  return "";
}

std::string detail_of(const archive::Delivery& d, const archive::RetentionEntry* e) {
  std::string out = "received=" + util::format_iso8601(d.transport.received);
  if (e != nullptr) {
    out += " policy=" + e->policy + " rule=" + (e->rule.empty() ? "-" : e->rule) +
           " keep=" + e->keep + " keep_until=" + date_or(e->keep_until, "forever") +
           " minimum=" + e->minimum + " minimum_until=" + date_or(e->minimum_until, "-");
  }
  return out;
}

bool valid_hold_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char ch : n) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

// The seqs of live deliveries in (from, to], in order (read in the caller's transaction).
template <class Fn>
void each_delivery(const Txn& txn, const Databases& dbs, const archive::TenantId& t,
                   std::uint64_t from, std::uint64_t to, Fn fn) {
  archive::Cursor c(txn, dbs.deliveries);
  for (bool ok = c.seek(archive::keys::seq(from + 1)); ok; ok = c.next()) {
    std::uint64_t seq = archive::keys::seq_of_suffix(c.key());
    if (seq > to) break;
    if (auto d = archive::load_delivery(txn, dbs, t, seq)) fn(*d);
  }
}

}  // namespace

Reach reach(const archive::TenantArchive& a, const config::Config& c) {
  Reach r;
  r.last = a.last_seq();
  bool query_holds = false;
  a.in_read([&](const Txn& txn, const Databases& dbs) {
    r.fixed = archive::meta_u64(txn, dbs, archive::kRetentionFixed);
    r.holds_evaluated = archive::meta_u64(txn, dbs, kHoldsEvaluated);
    for (const auto& h : active_holds(txn, dbs)) query_holds = query_holds || h.kind == "query";
  });
  bool query_rules = has_query_rules(c.retention, tenant_name(a));
  std::uint64_t indexed = r.last;
  if (query_rules || query_holds) {
    index::IndexState st = index::read_state(index_of(a));
    if (!st.exists) {
      indexed = 0;
      r.waiting = "the full-text index does not exist yet (query rules and holds need it)";
    } else if (st.rebuild_target != 0) {
      indexed = 0;
      r.waiting = "the full-text index is being rebuilt";
    } else {
      indexed = std::min(st.watermark, r.last);
      if (indexed < r.last) {
        r.waiting = "the full-text index has reached " + std::to_string(indexed) + " of " +
                    std::to_string(r.last);
      }
    }
  }
  r.removable_to = r.last;
  if (c.index_enabled) {
    index::IndexState st = index::read_state(index_of(a));
    r.removable_to = st.exists && st.rebuild_target == 0 ? std::min(st.watermark, r.last) : 0;
    if (r.waiting.empty() && r.removable_to < r.last) {
      r.waiting = !st.exists ? "the full-text index does not exist yet"
                  : st.rebuild_target != 0
                      ? "the full-text index is being rebuilt"
                      : "the full-text index has reached " + std::to_string(r.removable_to) +
                            " of " + std::to_string(r.last);
    }
  }
  r.retention_to = query_rules ? indexed : r.last;
  r.holds_to = query_holds ? indexed : r.last;
  if (c.retention.policy_for(tenant_name(a)) == nullptr) {
    r.retention_to = r.fixed;  // nothing to fix without a policy (README)
    if (r.waiting.empty() && r.fixed < r.last) r.waiting = "no retention policy applies";
  }
  return r;
}

FixReport fix(archive::TenantArchive& a, const config::Config& c, util::TimeUs now) {
  FixReport rep;
  rep.reach = reach(a, c);
  Reach& r = rep.reach;
  if (r.retention_to <= r.fixed && r.holds_to <= r.holds_evaluated) return rep;
  QueryCache qc(a);
  const std::string tenant = tenant_name(a);
  for (;;) {
    std::uint64_t from_r = r.fixed, from_h = r.holds_evaluated;
    std::uint64_t to_r = std::min(r.retention_to, from_r + kFixBatch);
    std::uint64_t to_h = std::min(r.holds_to, from_h + kFixBatch);
    if (to_r <= from_r && to_h <= from_h) break;
    std::uint64_t fixed = 0, pinned = 0;
    a.in_write([&](Txn& txn, const Databases& dbs) {
      fixed = pinned = 0;
      if (to_r > from_r) {
        each_delivery(txn, dbs, a.tenant(), from_r, to_r, [&](const archive::Delivery& d) {
          if (archive::load_retention(txn, dbs, d.seq)) return;
          auto dec = decide(c.retention, tenant, d,
                            [&](const std::string& q) { return qc.get(q).count(d.seq) > 0; });
          if (!dec) return;
          archive::put_retention(txn, dbs, d.seq, to_entry(*dec, now));
          ++fixed;
        });
        archive::set_meta_u64(txn, dbs, archive::kRetentionFixed, to_r);
      }
      if (to_h > from_h) {
        auto holds = active_holds(txn, dbs);
        if (!holds.empty()) {
          each_delivery(txn, dbs, a.tenant(), from_h, to_h, [&](const archive::Delivery& d) {
            for (const auto& h : holds) {
              if (hold_matches(h, d, qc) && archive::pin(txn, dbs, d.seq, h.name)) ++pinned;
            }
          });
        }
        archive::set_meta_u64(txn, dbs, kHoldsEvaluated, to_h);
      }
    });
    rep.fixed += fixed;
    rep.pinned += pinned;
    r.fixed = std::max(r.fixed, to_r);
    r.holds_evaluated = std::max(r.holds_evaluated, to_h);
  }
  return rep;
}

HoldReport create_hold(archive::TenantArchive& a, const config::Config& c, const HoldRequest& q,
                       const Actor& who, util::TimeUs now) {
  if (!valid_hold_name(q.name)) {
    throw std::runtime_error("hold name '" + q.name +
                             "' must be 1 to 64 letters, digits, '.', '_' or '-'");
  }
  if (q.kind != "query" && q.kind != "address" && q.kind != "all") {
    throw std::runtime_error("a hold is by query, by address or of all mail");
  }
  if (q.kind != "all" && q.scope.empty()) throw std::runtime_error("the hold's scope is empty");
  if (q.reason.empty()) throw std::runtime_error("a hold needs a reason");
  fix(a, c, util::now_us());
  QueryCache qc(a);
  index::IndexState st;
  if (q.kind == "query") {
    st = index::read_state(index_of(a));
    if (!st.exists) {
      throw std::runtime_error(
          "a hold by query needs the tenant's full-text index, which does "
          "not exist yet (postjournal index --tenant " +
          a.tenant().str() + ")");
    }
    qc.get(q.scope);  // a bad query fails here, before anything is written
  }
  HoldReport rep;
  a.in_write([&](Txn& txn, const Databases& dbs) {
    rep.pinned = 0;
    if (auto old = archive::load_hold(txn, dbs, q.name)) {
      throw std::runtime_error("hold '" + q.name + "' already exists" +
                               (old->active() ? "" : " (released; holds keep their names)"));
    }
    archive::Hold h;
    h.name = q.name;
    h.kind = q.kind;
    h.scope = q.scope;
    h.reason = q.reason;
    h.created_by = who.name;
    h.created = now;
    std::uint64_t evaluated = archive::meta_u64(txn, dbs, kHoldsEvaluated);
    if (q.kind == "address") {
      archive::SearchQuery sq;
      sq.address = q.scope;
      for (const auto& d : archive::search_deliveries(txn, dbs, a.tenant(), sq)) {
        if (d.seq <= evaluated && archive::pin(txn, dbs, d.seq, h.name)) ++rep.pinned;
      }
    } else {
      each_delivery(txn, dbs, a.tenant(), 0, evaluated, [&](const archive::Delivery& d) {
        if (hold_matches(h, d, qc) && archive::pin(txn, dbs, d.seq, h.name)) ++rep.pinned;
      });
      // What the index has not reached yet is pinned by the fix pass when it gets there.
      if (q.kind == "query" && st.watermark < evaluated) {
        archive::set_meta_u64(txn, dbs, kHoldsEvaluated, st.watermark);
      }
    }
    archive::AuditEntry e;
    e.time = now;
    e.user = who.name;
    e.action = "hold-create";
    e.reason = q.reason;
    e.detail = "hold=" + h.name + " kind=" + h.kind + " scope=" + h.scope +
               " pinned=" + std::to_string(rep.pinned);
    archive::append_audit(txn, dbs, e);
    h.create_audit = e.seq;
    archive::put_hold(txn, dbs, h);
    rep.hold = h;
  });
  rep.pinned += fix(a, c, now).pinned;
  return rep;
}

HoldReport release_hold(archive::TenantArchive& a, const std::string& name,
                        const std::string& reason, const Actor& who, util::TimeUs now) {
  if (reason.empty()) throw std::runtime_error("releasing a hold needs a reason");
  HoldReport rep;
  a.in_write([&](Txn& txn, const Databases& dbs) {
    auto h = archive::load_hold(txn, dbs, name);
    if (!h) throw std::runtime_error("no hold '" + name + "'");
    if (!h->active()) {
      throw std::runtime_error("hold '" + name + "' was released at " +
                               util::format_iso8601(h->released) + " by " + h->released_by);
    }
    rep.pinned = archive::unpin_all(txn, dbs, name);
    archive::AuditEntry e;
    e.time = now;
    e.user = who.name;
    e.action = "hold-release";
    e.reason = reason;
    e.detail = "hold=" + name + " unpinned=" + std::to_string(rep.pinned);
    archive::append_audit(txn, dbs, e);
    h->released = now;
    h->released_by = who.name;
    h->release_reason = reason;
    h->release_audit = e.seq;
    archive::put_hold(txn, dbs, *h);
    rep.hold = *h;
  });
  return rep;
}

std::vector<HoldReport> holds(const archive::TenantArchive& a) {
  std::vector<HoldReport> out;
  a.in_read([&](const Txn& txn, const Databases& dbs) {
    for (auto& h : archive::list_holds(txn, dbs)) {
      std::uint64_t n = h.active() ? archive::pinned_by(txn, dbs, h.name) : 0;
      out.push_back({std::move(h), n});
    }
  });
  return out;
}

PurgeReport purge(archive::TenantArchive& a, const config::Config& c, util::TimeUs now,
                  bool dry_run) {
  PurgeReport rep;
  rep.dry_run = dry_run;
  fix(a, c, util::now_us());  // evaluation at ingestion catching up: not a change, dry run or not
  rep.reach = reach(a, c);
  const Reach& r = rep.reach;
  QueryCache qc(a);
  std::vector<archive::Hold> holds;
  a.in_read([&](const Txn& txn, const Databases& dbs) { holds = active_holds(txn, dbs); });
  bool query_holds = false;
  for (const auto& h : holds) query_holds = query_holds || h.kind == "query";
  index::IndexState st = index::read_state(index_of(a));
  bool index_usable = st.exists && st.rebuild_target == 0;
  if (query_holds && !index_usable) {
    // A hold by query cannot be checked: nothing goes.
    a.in_read([&](const Txn& txn, const Databases& dbs) {
      for (const auto& [t, seq] : archive::expiring(txn, dbs, now, SIZE_MAX)) {
        rep.kept.push_back({seq, t, "", "",
                            "the index is missing or being rebuilt: holds by query "
                            "cannot be checked"});
      }
    });
    return rep;
  }
  std::size_t batch = static_cast<std::size_t>(std::max<std::uint64_t>(1, c.retention.purge_batch));
  std::optional<std::pair<util::TimeUs, std::uint64_t>> after;
  for (;;) {
    std::vector<std::pair<util::TimeUs, std::uint64_t>> page;
    std::vector<PurgeItem> go, stay;
    a.in_read([&](const Txn& txn, const Databases& dbs) {
      page = archive::expiring(txn, dbs, now, batch * 4, after);
      for (const auto& [t, seq] : page) {
        if (go.size() >= batch) break;
        after = std::make_pair(t, seq);
        auto d = archive::load_delivery(txn, dbs, a.tenant(), seq);
        auto e = archive::load_retention(txn, dbs, seq);
        if (!d || !e) continue;
        PurgeItem item{seq, t, e->policy, e->rule, ""};
        item.why_kept = why_kept(txn, dbs, *d, &*e, holds, qc, now, r);
        (item.why_kept.empty() ? go : stay).push_back(std::move(item));
      }
    });
    for (const auto& k : stay) rep.not_yet += k.why_kept.starts_with(kNotYet) ? 1u : 0u;
    rep.kept.insert(rep.kept.end(), stay.begin(), stay.end());
    if (go.empty()) {
      if (page.empty()) break;
      continue;
    }
    if (dry_run) {
      rep.purged.insert(rep.purged.end(), go.begin(), go.end());
      continue;
    }
    std::vector<PurgeItem> done;
    std::uint64_t released = 0;
    a.in_write([&](Txn& txn, const Databases& dbs) {
      done.clear();
      released = 0;
      for (const auto& item : go) {
        auto d = archive::load_delivery(txn, dbs, a.tenant(), item.seq);
        auto e = archive::load_retention(txn, dbs, item.seq);
        if (!d || !e || e->keep_until == 0 || e->keep_until >= now) continue;
        if (!why_kept(txn, dbs, *d, &*e, holds, qc, now, r).empty()) continue;
        archive::AuditEntry entry;
        entry.time = now;
        entry.user = "retention";
        entry.action = "purge";
        entry.reason = "retention period ended";
        entry.detail = detail_of(*d, &*e);
        archive::remove_delivery(txn, dbs, a.tenant(), item.seq, entry);
        if (!txn.get(dbs.contents, util::as_bytes(d->content_sha256))) released += d->size;
        done.push_back(item);
      }
      if (done.empty()) return;
      archive::AuditEntry run;
      run.time = now;
      run.user = "retention";
      run.action = "purge-run";
      run.reason = "retention period ended";
      run.detail = "purged=" + std::to_string(done.size()) +
                   " first=" + archive::DeliveryId{a.tenant(), done.front().seq}.str() +
                   " last=" + archive::DeliveryId{a.tenant(), done.back().seq}.str() +
                   " bytes_released=" + std::to_string(released);
      archive::append_audit(txn, dbs, run);
      archive::set_meta_u64(txn, dbs, archive::kRetentionPurged,
                            archive::meta_u64(txn, dbs, archive::kRetentionPurged) + done.size());
    });
    if (!done.empty()) ++rep.batches;
    rep.bytes_released += released;
    rep.purged.insert(rep.purged.end(), done.begin(), done.end());
  }
  return rep;
}

ApplyReport apply(archive::TenantArchive& a, const config::Config& c, util::TimeUs now,
                  bool dry_run, const Actor& who) {
  ApplyReport rep;
  rep.dry_run = dry_run;
  fix(a, c, util::now_us());
  Reach r = reach(a, c);
  const std::string tenant = tenant_name(a);
  if (c.retention.policy_for(tenant) == nullptr) {
    throw std::runtime_error("no retention policy applies to tenant " + tenant +
                             " (retention.policies or retention.default)");
  }
  QueryCache qc(a);
  for (std::uint64_t from = 0; from < r.fixed;) {
    std::uint64_t to = std::min(r.fixed, from + kFixBatch);
    struct Change {
      std::uint64_t seq;
      archive::RetentionEntry entry;
    };
    std::vector<Change> changes;
    ApplyReport batch;
    auto plan = [&](const Txn& txn, const Databases& dbs) {
      changes.clear();
      batch = ApplyReport{};
      each_delivery(txn, dbs, a.tenant(), from, to, [&](const archive::Delivery& d) {
        ++batch.examined;
        auto dec = decide(c.retention, tenant, d,
                          [&](const std::string& q) { return qc.get(q).count(d.seq) > 0; });
        if (!dec) return;
        archive::RetentionEntry next = to_entry(*dec, now);
        auto old = archive::load_retention(txn, dbs, d.seq);
        std::string id = archive::DeliveryId{a.tenant(), d.seq}.str();
        if (!old) {
          ++batch.assigned;
          changes.push_back({d.seq, next});
          if (batch.samples.size() < 5) batch.samples.push_back(id + ": none -> " + next.keep);
          return;
        }
        bool longer_keep = keep_key(next.keep_until) > keep_key(old->keep_until);
        bool longer_min = next.minimum_until > old->minimum_until;
        bool shorter = keep_key(next.keep_until) < keep_key(old->keep_until) ||
                       next.minimum_until < old->minimum_until;
        if (!longer_keep && !longer_min) {
          ++(shorter ? batch.shorter_kept : batch.unchanged);
          return;
        }
        archive::RetentionEntry merged = *old;
        if (longer_keep) {
          merged.policy = next.policy;
          merged.rule = next.rule;
          merged.keep = next.keep;
          merged.keep_until = next.keep_until;
        }
        if (longer_min) {
          merged.minimum = next.minimum;
          merged.minimum_until = next.minimum_until;
        }
        merged.fixed_at = now;
        ++batch.lengthened;
        if (batch.samples.size() < 5) {
          batch.samples.push_back(id + ": until " + date_or(old->keep_until, "forever") + " -> " +
                                  date_or(merged.keep_until, "forever"));
        }
        changes.push_back({d.seq, merged});
      });
    };
    if (dry_run) {
      a.in_read(plan);
    } else {
      a.in_write([&](Txn& txn, const Databases& dbs) {
        plan(txn, dbs);
        if (changes.empty()) return;
        archive::AuditEntry e;
        e.time = now;
        e.user = who.name;
        e.action = "retention-apply";
        e.reason = "the current retention policy applied to stored mail (lengthening only)";
        e.detail = "range=" + std::to_string(from + 1) + ".." + std::to_string(to) +
                   " lengthened=" + std::to_string(batch.lengthened) +
                   " assigned=" + std::to_string(batch.assigned) +
                   " shorter_kept=" + std::to_string(batch.shorter_kept);
        archive::append_audit(txn, dbs, e);
        for (auto& ch : changes) {
          ch.entry.audit_seq = e.seq;
          archive::put_retention(txn, dbs, ch.seq, ch.entry);
        }
      });
    }
    rep.examined += batch.examined;
    rep.unchanged += batch.unchanged;
    rep.lengthened += batch.lengthened;
    rep.assigned += batch.assigned;
    rep.shorter_kept += batch.shorter_kept;
    for (auto& s : batch.samples) {
      if (rep.samples.size() < 10) rep.samples.push_back(std::move(s));
    }
    from = to;
  }
  return rep;
}

Explanation explain(archive::TenantArchive& a, const config::Config& c, std::uint64_t seq,
                    util::TimeUs now) {
  Explanation x;
  Reach r = fix(a, c, util::now_us()).reach;
  std::optional<archive::Delivery> d;
  std::vector<archive::Hold> holds;
  a.in_read([&](const Txn& txn, const Databases& dbs) {
    d = archive::load_delivery(txn, dbs, a.tenant(), seq);
    x.stored = archive::load_retention(txn, dbs, seq);
    x.pins = archive::pins_of(txn, dbs, seq);
    holds = active_holds(txn, dbs);
  });
  if (!d) throw std::runtime_error("no delivery " + archive::DeliveryId{a.tenant(), seq}.str());
  index::IndexState st = index::read_state(index_of(a));
  bool indexed = st.exists && st.watermark >= seq;
  QueryCache qc(a);
  auto qm = [&](const std::string& q) { return indexed && qc.get(q).count(seq) > 0; };
  x.current = decide(c.retention, tenant_name(a), *d, qm);
  for (const auto& h : holds) {
    bool pinned = std::find(x.pins.begin(), x.pins.end(), h.name) != x.pins.end();
    if (!pinned && (h.kind != "query" || indexed) && hold_matches(h, *d, qc)) {
      x.pins.push_back(h.name + " (matches its scope; pinned at the next evaluation)");
    }
  }
  if (!x.pins.empty()) {
    x.state = "held (" + join(x.pins) + "): never purged or erased while the hold is active";
  } else if (!x.stored) {
    x.state = seq > r.fixed ? "not yet evaluated" + (r.waiting.empty() ? "" : ": " + r.waiting)
                            : "no retention entry: kept until a policy is applied";
  } else if (x.stored->keep_until == 0) {
    x.state = "kept forever";
  } else if (x.stored->keep_until > now) {
    x.state = "kept until " + util::format_iso8601(x.stored->keep_until);
  } else if (x.stored->minimum_until > now) {
    x.state = "expired, but under minimum retention until " + date_or(x.stored->minimum_until, "-");
  } else {
    x.state = "expired since " + util::format_iso8601(x.stored->keep_until) +
              ": removed by the next purge";
  }
  return x;
}

archive::ErasureRequest request_erasure(archive::TenantArchive& a, const config::Config& c,
                                        const ErasureScope& s, const std::string& reason,
                                        const Actor& who, util::TimeUs now) {
  if (reason.empty()) throw std::runtime_error("an erasure request needs a reason");
  int kinds = (s.address.empty() ? 0 : 1) + (s.query.empty() ? 0 : 1) + (s.seqs.empty() ? 0 : 1);
  if (kinds != 1) throw std::runtime_error("give exactly one of --address, --query or IDs");
  fix(a, c, util::now_us());
  Reach r = reach(a, c);
  QueryCache qc(a);
  SeqSet matches;
  std::string scope;
  if (!s.query.empty()) {
    index::IndexState st = index::read_state(index_of(a));
    if (!st.exists || st.rebuild_target != 0 || st.watermark < r.last) {
      throw std::runtime_error("the full-text index does not cover every delivery of tenant " +
                               tenant_name(a) +
                               " yet; an erasure by query must see all of them (postjournal "
                               "index --tenant " +
                               tenant_name(a) + ")");
    }
    matches = qc.get(s.query);
    scope = "query " + s.query;
  } else if (!s.address.empty()) {
    scope = "address " + s.address;
  } else {
    scope = "ids";
    for (auto seq : s.seqs) {
      matches.insert(seq);
      scope += " " + archive::DeliveryId{a.tenant(), seq}.str();
    }
  }
  archive::ErasureRequest q;
  a.in_write([&](Txn& txn, const Databases& dbs) {
    q = archive::ErasureRequest{};
    q.id = archive::next_erasure_id(txn, dbs);
    q.state = "pending";
    q.scope = scope;
    q.reason = reason;
    q.requested = now;
    q.requested_by = who.name;
    q.requester_uid = who.uid;
    if (!s.address.empty()) {
      archive::SearchQuery sq;
      sq.address = s.address;
      for (const auto& d : archive::search_deliveries(txn, dbs, a.tenant(), sq)) {
        matches.insert(d.seq);
      }
    }
    auto holds = active_holds(txn, dbs);
    for (auto seq : matches) {
      auto d = archive::load_delivery(txn, dbs, a.tenant(), seq);
      if (!d) {
        if (!s.seqs.empty()) {
          throw std::runtime_error("no delivery " + archive::DeliveryId{a.tenant(), seq}.str());
        }
        continue;
      }
      auto e = archive::load_retention(txn, dbs, seq);
      std::string why = why_kept(txn, dbs, *d, e ? &*e : nullptr, holds, qc, now, r);
      if (why.empty()) {
        q.erase.push_back(seq);
      } else {
        q.kept.emplace_back(seq, why);
      }
    }
    archive::AuditEntry entry;
    entry.time = now;
    entry.user = who.name;
    entry.action = "erase-request";
    entry.reason = reason;
    entry.detail = "request=" + std::to_string(q.id) + " scope=" + scope +
                   " erase=" + std::to_string(q.erase.size()) +
                   " kept=" + std::to_string(q.kept.size());
    archive::append_audit(txn, dbs, entry);
    q.request_audit = entry.seq;
    archive::put_erasure(txn, dbs, q);
  });
  return q;
}

ErasureReport approve_erasure(archive::TenantArchive& a, const config::Config& c, std::uint64_t id,
                              const Actor& who, util::TimeUs now) {
  ErasureReport rep;
  a.in_read([&](const Txn& txn, const Databases& dbs) {
    auto q = archive::load_erasure(txn, dbs, id);
    if (!q) throw std::runtime_error("no erasure request " + std::to_string(id));
    rep.request = *q;
  });
  archive::ErasureRequest& q = rep.request;
  if (q.state != "pending") {
    throw std::runtime_error("erasure request " + std::to_string(id) + " is " + q.state +
                             " (approved by " + q.approved_by + " at " +
                             util::format_iso8601(q.approved) + ")");
  }
  if (who.uid == q.requester_uid) {
    throw std::runtime_error(
        "erasure request " + std::to_string(id) + " was made by " + q.requested_by +
        "; another person must approve it (four-eyes: a different login; sudo does not count, "
        "SUDO_USER is recorded but not trusted)");
  }
  fix(a, c, util::now_us());
  Reach r = reach(a, c);
  QueryCache qc(a);
  constexpr std::size_t kBatch = 256;
  for (std::size_t i = 0; i < q.erase.size(); i += kBatch) {
    std::vector<std::uint64_t> erased;
    std::vector<std::pair<std::uint64_t, std::string>> kept, shared;
    a.in_write([&](Txn& txn, const Databases& dbs) {
      erased.clear();
      kept.clear();
      shared.clear();
      if (auto now_q = archive::load_erasure(txn, dbs, id); !now_q || now_q->state != "pending") {
        throw std::runtime_error("erasure request " + std::to_string(id) +
                                 " was approved by another process meanwhile");
      }
      auto holds = active_holds(txn, dbs);
      for (std::size_t j = i; j < std::min(q.erase.size(), i + kBatch); ++j) {
        std::uint64_t seq = q.erase[j];
        auto d = archive::load_delivery(txn, dbs, a.tenant(), seq);
        if (!d) {
          if (archive::load_tombstone(txn, dbs, seq)) erased.push_back(seq);  // an earlier run
          continue;
        }
        auto e = archive::load_retention(txn, dbs, seq);
        std::string why = why_kept(txn, dbs, *d, e ? &*e : nullptr, holds, qc, now, r);
        if (!why.empty()) {
          kept.emplace_back(seq, why);
          continue;
        }
        archive::AuditEntry entry;
        entry.time = now;
        entry.user = who.name;
        entry.action = "erase";
        entry.reason = q.reason;
        entry.detail = "request=" + std::to_string(q.id) + " requested_by=" + q.requested_by + " " +
                       detail_of(*d, e ? &*e : nullptr);
        archive::remove_delivery(txn, dbs, a.tenant(), seq, entry);
        erased.push_back(seq);
        if (txn.get(dbs.contents, util::as_bytes(d->content_sha256))) {
          archive::SearchQuery sq;
          sq.content_sha256 = d->content_sha256;
          std::string others;
          for (const auto& o : archive::search_deliveries(txn, dbs, a.tenant(), sq)) {
            others += (others.empty() ? "" : " ") + archive::DeliveryId{a.tenant(), o.seq}.str();
          }
          shared.emplace_back(seq, "its bytes are kept: the same message is retained as " +
                                       (others.empty() ? std::string("another delivery") : others));
        }
      }
    });
    rep.erased.insert(rep.erased.end(), erased.begin(), erased.end());
    rep.kept.insert(rep.kept.end(), kept.begin(), kept.end());
    rep.shared.insert(rep.shared.end(), shared.begin(), shared.end());
  }
  a.in_write([&](Txn& txn, const Databases& dbs) {
    if (auto now_q = archive::load_erasure(txn, dbs, id); !now_q || now_q->state != "pending") {
      throw std::runtime_error("erasure request " + std::to_string(id) +
                               " was approved by another process meanwhile");
    }
    archive::AuditEntry entry;
    entry.time = now;
    entry.user = who.name;
    entry.action = "erase-approve";
    entry.reason = q.reason;
    entry.detail = "request=" + std::to_string(q.id) + " requested_by=" + q.requested_by +
                   " erased=" + std::to_string(rep.erased.size()) +
                   " kept=" + std::to_string(rep.kept.size()) +
                   " shared=" + std::to_string(rep.shared.size());
    archive::append_audit(txn, dbs, entry);
    archive::ErasureRequest done = q;
    done.state = "done";
    done.approved = now;
    done.approved_by = who.name;
    done.approver_uid = who.uid;
    done.approve_audit = entry.seq;
    archive::put_erasure(txn, dbs, done);
    archive::set_meta_u64(
        txn, dbs, archive::kRetentionErased,
        archive::meta_u64(txn, dbs, archive::kRetentionErased) + rep.erased.size());
    q = done;
  });
  return rep;
}

Summary summary(const archive::TenantArchive& a, const config::Config& c) {
  Summary s;
  s.has_policy = c.retention.policy_for(tenant_name(a)) != nullptr;
  std::uint64_t last = a.last_seq();
  a.in_read([&](const Txn& txn, const Databases& dbs) {
    s.held = archive::count_held(txn, dbs);
    s.active_holds = active_holds(txn, dbs).size();
    s.next_expiry = archive::next_expiry(txn, dbs);
    s.purged = archive::meta_u64(txn, dbs, archive::kRetentionPurged);
    s.erased = archive::meta_u64(txn, dbs, archive::kRetentionErased);
    std::uint64_t fixed = archive::meta_u64(txn, dbs, archive::kRetentionFixed);
    s.unevaluated = last > fixed ? last - fixed : 0;
  });
  return s;
}

}  // namespace postjournal::retention
