#include "metrics/metrics.hpp"

#include <cstdio>

namespace postjournal::metrics {

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

void help(std::string& out, const char* name, const char* type, const char* text) {
  out += std::string("# HELP ") + name + " " + text + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

const char* to_string(Tempfail t) {
  switch (t) {
    case Tempfail::kResolver:
      return "resolver";
    case Tempfail::kCommitTimeout:
      return "commit_timeout";
    case Tempfail::kArchiveFull:
      return "archive_full";
    case Tempfail::kArchiveError:
      return "archive_error";
    case Tempfail::kProtocol:
      return "protocol";
  }
  return "protocol";
}

std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Registry& Registry::instance() {
  static Registry r;
  return r;
}

void Registry::stored(const std::string& tenant, const std::string& listener, std::uint64_t bytes,
                      double commit_seconds) {
  std::lock_guard lock(mu_);
  auto& a = archived_[{tenant, listener}];
  ++a.first;
  a.second += bytes;
  ++commits_;
  commit_sum_ += commit_seconds;
  for (std::size_t i = 0; i < kCommitBuckets.size(); ++i) {
    if (commit_seconds <= kCommitBuckets[i]) {
      ++buckets_[i];
      break;
    }
  }
}

void Registry::tempfail(Tempfail reason) {
  std::lock_guard lock(mu_);
  ++tempfails_[reason];
}

namespace {

template <class G>
struct TenantMetric {
  const char* name;
  const char* help;
  std::uint64_t G::*field;
};

// One gauge per tenant for each metric of the list.
template <class G>
void tenant_gauges(std::string& out, std::initializer_list<TenantMetric<G>> metrics,
                   const std::vector<G>& gauges) {
  for (const auto& m : metrics) {
    help(out, m.name, "gauge", m.help);
    for (const auto& g : gauges) {
      out += std::string(m.name) + "{tenant=\"" + label_value(g.tenant) + "\"} " +
             std::to_string(g.*m.field) + "\n";
    }
  }
}

}  // namespace

std::string Registry::render(const Gauges& g) const {
  std::lock_guard lock(mu_);
  std::string out;
  help(out, "postjournal_archived_messages_total", "counter",
       "Messages durably archived by the milter since it started.");
  for (const auto& [k, v] : archived_) {
    out += "postjournal_archived_messages_total{tenant=\"" + label_value(k.first) +
           "\",listener=\"" + label_value(k.second) + "\"} " + std::to_string(v.first) + "\n";
  }
  help(out, "postjournal_archived_bytes_total", "counter",
       "Bytes of the messages durably archived by the milter since it started.");
  for (const auto& [k, v] : archived_) {
    out += "postjournal_archived_bytes_total{tenant=\"" + label_value(k.first) + "\",listener=\"" +
           label_value(k.second) + "\"} " + std::to_string(v.second) + "\n";
  }
  help(out, "postjournal_tempfails_total", "counter",
       "Transactions answered 4xx by the milter, by reason.");
  for (Tempfail t : {Tempfail::kResolver, Tempfail::kCommitTimeout, Tempfail::kArchiveFull,
                     Tempfail::kArchiveError, Tempfail::kProtocol}) {
    auto it = tempfails_.find(t);
    out += std::string("postjournal_tempfails_total{reason=\"") + to_string(t) + "\"} " +
           std::to_string(it == tempfails_.end() ? 0 : it->second) + "\n";
  }
  help(out, "postjournal_commit_seconds", "histogram",
       "Time from the end of a message to its durable commit.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kCommitBuckets.size(); ++i) {
    cumulative += buckets_[i];
    out += "postjournal_commit_seconds_bucket{le=\"" + number(kCommitBuckets[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += "postjournal_commit_seconds_bucket{le=\"+Inf\"} " + std::to_string(commits_) + "\n";
  out += "postjournal_commit_seconds_sum " + number(commit_sum_) + "\n";
  out += "postjournal_commit_seconds_count " + std::to_string(commits_) + "\n";
  help(out, "postjournal_no_tenant_queue", "gauge", "Deliveries waiting in the No Tenant queue.");
  out += "postjournal_no_tenant_queue " + std::to_string(g.no_tenant_queue) + "\n";
  help(out, "postjournal_source_last_seen_timestamp_seconds", "gauge",
       "Receipt time of the last message archived from a listener or mailbox (0: never).");
  for (const auto& s : g.sources) {
    out += "postjournal_source_last_seen_timestamp_seconds{source=\"" + label_value(s.name) +
           "\",kind=\"" + s.kind + "\",tenant=\"" + label_value(s.tenant) + "\"} " +
           std::to_string(s.state.last_message / 1000000) + "\n";
  }
  help(out, "postjournal_source_state", "gauge",
       "1 for the state a listener or mailbox is in (as postjournal status shows it), else 0.");
  for (const auto& s : g.sources) {
    for (auto h : {state::Health::kOk, state::Health::kNever, state::Health::kInactive,
                   state::Health::kFailing, state::Health::kDisabled}) {
      out += "postjournal_source_state{source=\"" + label_value(s.name) + "\",kind=\"" + s.kind +
             "\",tenant=\"" + label_value(s.tenant) + "\",state=\"" + state::to_string(h) + "\"} " +
             (s.health == h ? "1" : "0") + "\n";
    }
  }
  using I = TenantMetric<IndexGauge>;
  tenant_gauges<IndexGauge>(
      out,
      {I{"postjournal_index_watermark", "Every delivery up to this seq is indexed.",
         &IndexGauge::watermark},
       I{"postjournal_index_lag_deliveries", "Deliveries not yet in the full-text index.",
         &IndexGauge::lag},
       I{"postjournal_index_lag_seconds",
         "Age of the oldest delivery not yet in the full-text index (0: none).",
         &IndexGauge::lag_seconds},
       I{"postjournal_index_extract_failed_messages",
         "Indexed messages with a part whose text could not be extracted.",
         &IndexGauge::extract_failed}},
      g.indexes);
  using S = TenantMetric<StampGauge>;
  tenant_gauges<StampGauge>(
      out,
      {S{"postjournal_timestamp_stamped_deliveries",
         "Every delivery up to this seq is covered by an RFC 3161 stamp.",
         &StampGauge::stamped_deliveries},
       S{"postjournal_timestamp_unstamped", "Deliveries and audit entries not yet stamped.",
         &StampGauge::unstamped},
       S{"postjournal_timestamp_gap_seconds",
         "Age of the oldest delivery or audit entry not yet stamped (0: none).",
         &StampGauge::gap_seconds},
       S{"postjournal_timestamp_last_success_timestamp_seconds",
         "TSA time of the newest stamp (0: none).", &StampGauge::last_tsa_time}},
      g.stamps);
  using R = TenantMetric<RetentionGauge>;
  tenant_gauges<RetentionGauge>(
      out,
      {R{"postjournal_retention_held_deliveries", "Deliveries pinned by an active legal hold.",
         &RetentionGauge::held},
       R{"postjournal_retention_active_holds", "Legal holds not released.",
         &RetentionGauge::active_holds},
       R{"postjournal_retention_purged_total", "Deliveries removed because their retention ended.",
         &RetentionGauge::purged},
       R{"postjournal_retention_erased_total", "Deliveries removed by approved erasure requests.",
         &RetentionGauge::erased},
       R{"postjournal_retention_next_expiry_timestamp_seconds",
         "When the next delivery's retention ends (0: none does).", &RetentionGauge::next_expiry},
       R{"postjournal_retention_unevaluated_deliveries",
         "Deliveries whose retention is not fixed yet (waiting for the index or a policy).",
         &RetentionGauge::unevaluated}},
      g.retention);
  return out;
}

}  // namespace postjournal::metrics
