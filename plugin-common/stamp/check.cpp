#include "stamp/check.hpp"

#include "archive/registry.hpp"

namespace postjournal::stamp {

namespace {

std::string stamp_problem(const archive::TenantArchive& a, const archive::StampRecord& s,
                          const std::string& ca_file, std::uint64_t last_seq,
                          std::uint64_t audit_last) {
  if (s.token.empty()) return "the stamp record is corrupt";
  if (s.deliveries.seq > last_seq) {
    return "covers deliveries up to " + std::to_string(s.deliveries.seq) +
           " but the archive ends at " + std::to_string(last_seq);
  }
  auto link = a.link_at(s.deliveries.seq);
  if (!link || *link != s.deliveries.link) {
    return "the chain link of delivery " + std::to_string(s.deliveries.seq) +
           " is not the one stamped (the chain was changed)";
  }
  if (s.audit.seq > audit_last) return "covers audit entries the archive does not have";
  auto audit_link = a.audit_link_at(s.audit.seq);
  if (!audit_link || *audit_link != s.audit.link) {
    return "the audit link of entry " + std::to_string(s.audit.seq) +
           " is not the one stamped (the audit log was changed)";
  }
  if (ca_file.empty()) return "timestamp.ca_file is not set: the token cannot be checked";
  util::Digest imprint = util::sha256(archive::anchor_statement(a.tenant(), s.deliveries, s.audit));
  return util::tsp::verify_response(s.token, imprint, s.nonce, ca_file);
}

}  // namespace

Coverage check_stamps(const archive::TenantArchive& a, const std::string& ca_file) {
  Coverage cov;
  archive::Heads heads = a.heads();
  cov.last_seq = heads.deliveries.seq;
  cov.audit_last = heads.audit.seq;
  std::uint64_t expected = 1;
  const StampCheck* previous = nullptr;
  for (auto& rec : a.stamps()) {
    StampCheck c;
    c.record = std::move(rec);
    std::string why;
    if (!c.record.token.empty()) c.info = util::tsp::parse_response(c.record.token, why);
    std::string where = "stamp " + std::to_string(c.record.seq);
    if (c.record.seq != expected) {
      cov.problems.push_back({where, "stamps " + std::to_string(expected) + ".." +
                                         std::to_string(c.record.seq - 1) + " are missing"});
    }
    expected = c.record.seq + 1;
    c.problem = stamp_problem(a, c.record, ca_file, cov.last_seq, cov.audit_last);
    if (c.problem.empty() && c.info && c.info->gen_time != c.record.gen_time) {
      c.problem = "the token's time is not the one recorded when it was taken";
    }
    if (c.problem.empty() && previous != nullptr) {
      const auto& p = previous->record;
      if (c.record.gen_time < p.gen_time) {
        c.problem = "its TSA time " + util::format_iso8601(c.record.gen_time) +
                    " is earlier than that of stamp " + std::to_string(p.seq);
      } else if (c.record.deliveries.seq < p.deliveries.seq || c.record.audit.seq < p.audit.seq) {
        c.problem = "it stamps older heads than stamp " + std::to_string(p.seq);
      }
    }
    if (ca_file.empty()) {
      cov.unchecked = true;
    } else if (c.problem.empty()) {
      ++cov.valid;
      cov.covered = std::max(cov.covered, c.record.deliveries.seq);
      cov.audit_covered = std::max(cov.audit_covered, c.record.audit.seq);
    } else {
      cov.problems.push_back({where, c.problem});
    }
    cov.stamps.push_back(std::move(c));
    if (cov.stamps.back().problem.empty()) previous = &cov.stamps.back();
  }
  return cov;
}

Gap gap(const archive::TenantArchive& a) {
  Gap g;
  archive::Heads heads = a.heads();
  std::uint64_t head = 0, audit_head = 0;
  if (auto last = a.last_stamp()) {  // stamps are numbered 1..n without gaps (verify checks)
    g.stamps = last->seq;
    g.last = std::move(*last);
    g.last->token.clear();
    head = g.last->deliveries.seq;
    audit_head = g.last->audit.seq;
  }
  g.unstamped = heads.deliveries.seq > head ? heads.deliveries.seq - head : 0;
  g.unstamped_audit = heads.audit.seq > audit_head ? heads.audit.seq - audit_head : 0;
  if (g.unstamped > 0) {
    auto next = a.after(head, 1, 0);
    if (!next.empty()) g.oldest_unstamped = next.front().transport.received;
  }
  if (g.unstamped_audit > 0) {
    if (auto e = a.audit_entry(audit_head + 1)) {
      if (g.oldest_unstamped == 0 || e->time < g.oldest_unstamped) g.oldest_unstamped = e->time;
    }
  }
  return g;
}

state::SourceStatus stamp_row(const config::Config& c, const archive::TenantId& t, const Gap& g,
                              const state::SourceState& recorded, util::TimeUs now) {
  state::SourceStatus row;
  row.name = row_name(t);
  row.kind = "timestamp";
  row.tenant = t.str();
  row.type = "rfc3161";
  row.active = !c.timestamp_url.empty();
  row.allowed_inactivity_hours = c.timestamp_alert_after / 3600;
  row.state = recorded;
  if (g.last) {
    row.state.last_message = g.last->gen_time;
    row.state.last_id = t.str() + " stamp " + std::to_string(g.last->seq);
  }
  row.last_24h = 0;
  auto limit = static_cast<util::TimeUs>(c.timestamp_alert_after) * 1000000;
  bool overdue = g.oldest_unstamped != 0 && now - g.oldest_unstamped > limit;
  if (!row.active) {
    row.health = state::Health::kDisabled;
  } else if (overdue) {
    row.health = state::Health::kFailing;
    std::string gap_text = std::to_string(g.unstamped) + " deliveries and " +
                           std::to_string(g.unstamped_audit) + " audit entries not stamped since " +
                           util::format_iso8601(g.oldest_unstamped);
    row.state.last_failure_reason = recorded.failing && !recorded.last_failure_reason.empty()
                                        ? recorded.last_failure_reason + " (" + gap_text + ")"
                                        : gap_text;
    if (row.state.last_failure == 0) row.state.last_failure = now;
  } else {
    row.health = state::Health::kOk;
  }
  return row;
}

std::vector<TenantGap> gaps(const config::Config& c, const std::string& root, const Open& open) {
  std::vector<TenantGap> out;
  for (const auto& t : archive::list_tenants(root)) {
    Gap g = gap(*open(t));
    if (c.timestamp_url.empty() && g.stamps == 0) continue;
    out.push_back({t, std::move(g)});
  }
  return out;
}

std::vector<state::SourceStatus> stamp_rows(const config::Config& c,
                                            const std::vector<TenantGap>& gaps,
                                            const std::map<std::string, state::SourceState>& states,
                                            util::TimeUs now) {
  std::vector<state::SourceStatus> rows;
  for (const auto& g : gaps) {
    auto it = states.find(row_name(g.tenant));
    rows.push_back(
        stamp_row(c, g.tenant, g.gap, it == states.end() ? state::SourceState{} : it->second, now));
  }
  return rows;
}

}  // namespace postjournal::stamp
