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
  struct IndexMetric {
    const char* name;
    const char* help;
    std::uint64_t IndexGauge::*field;
  };
  for (const IndexMetric& m :
       {IndexMetric{"postjournal_index_watermark", "Every delivery up to this seq is indexed.",
                    &IndexGauge::watermark},
        IndexMetric{"postjournal_index_lag_deliveries",
                    "Deliveries not yet in the full-text index.", &IndexGauge::lag},
        IndexMetric{"postjournal_index_lag_seconds",
                    "Age of the oldest delivery not yet in the full-text index (0: none).",
                    &IndexGauge::lag_seconds},
        IndexMetric{"postjournal_index_extract_failed_messages",
                    "Indexed messages with a part whose text could not be extracted.",
                    &IndexGauge::extract_failed}}) {
    help(out, m.name, "gauge", m.help);
    for (const auto& ig : g.indexes) {
      out += std::string(m.name) + "{tenant=\"" + label_value(ig.tenant) + "\"} " +
             std::to_string(ig.*m.field) + "\n";
    }
  }
  return out;
}

}  // namespace postjournal::metrics
