// Prometheus metrics of the milter, written as a text file for node_exporter's textfile
// collector (metrics.file, rewritten atomically every metrics.interval). Counters live in memory
// and start at zero when the process starts (Prometheus handles resets); gauges come from the
// source state and the No Tenant queue at render time.
//
//   postjournal_archived_messages_total{tenant,listener}   counter
//   postjournal_archived_bytes_total{tenant,listener}      counter
//   postjournal_tempfails_total{reason}                    counter (reason: a fixed class)
//   postjournal_commit_seconds{le}                         histogram: end of data -> durable
//   postjournal_no_tenant_queue                            gauge
//   postjournal_source_last_seen_timestamp_seconds{source,kind,tenant}  gauge (0: never)
//   postjournal_source_state{source,kind,tenant,state}     gauge: 1 for the current state, 0
//                                                          for the other four
//   postjournal_index_watermark{tenant}                    gauge: indexed up to this seq
//   postjournal_index_lag_deliveries{tenant}               gauge: deliveries not yet indexed
//   postjournal_index_lag_seconds{tenant}                  gauge: age of the oldest of them
//   postjournal_index_extract_failed_messages{tenant}      gauge: messages with a part whose
//                                                          text extraction failed
//   postjournal_timestamp_stamped_deliveries{tenant}       gauge: stamped up to this seq
//   postjournal_timestamp_unstamped{tenant}                gauge: deliveries + audit entries
//                                                          not yet stamped
//   postjournal_timestamp_gap_seconds{tenant}              gauge: age of the oldest of them
//   postjournal_timestamp_last_success_timestamp_seconds{tenant}  gauge: TSA time of the
//                                                          newest stamp
// (a tenant's stamps are also the source timestamp:<tenant>, kind "timestamp")
//
// Thread-safe (one mutex; the hot path takes it once per message).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "state/status.hpp"

namespace postjournal::metrics {

// Fixed reasons for postjournal_tempfails_total, so label values stay few.
enum class Tempfail { kResolver, kCommitTimeout, kArchiveFull, kArchiveError, kProtocol };
const char* to_string(Tempfail t);

inline constexpr std::array<double, 12> kCommitBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                          0.5,   1,    2.5,   5,    10,  30};

struct IndexGauge {
  std::string tenant;
  std::uint64_t watermark = 0;
  std::uint64_t lag = 0;
  std::uint64_t lag_seconds = 0;
  std::uint64_t extract_failed = 0;
};

// RFC 3161 stamps of one tenant (stamp/check.hpp's Gap); times in Unix seconds.
struct StampGauge {
  std::string tenant;
  std::uint64_t stamped_deliveries = 0;
  std::uint64_t unstamped = 0;  // deliveries + audit entries
  std::uint64_t gap_seconds = 0;
  std::uint64_t last_tsa_time = 0;
};

// Retention of one tenant (retention/engine.hpp's Summary); times in Unix seconds.
struct RetentionGauge {
  std::string tenant;
  std::uint64_t held = 0;  // deliveries pinned by an active legal hold
  std::uint64_t active_holds = 0;
  std::uint64_t purged = 0;       // removed by retention, ever
  std::uint64_t erased = 0;       // removed by approved erasure requests, ever
  std::uint64_t next_expiry = 0;  // 0: nothing expires
  std::uint64_t unevaluated = 0;  // deliveries whose retention is not fixed yet
};

struct Gauges {
  std::uint64_t no_tenant_queue = 0;
  std::vector<state::SourceStatus> sources;  // timestamp:<tenant> rows included
  std::vector<IndexGauge> indexes;
  std::vector<StampGauge> stamps;
  std::vector<RetentionGauge> retention;
};

class Registry {
 public:
  static Registry& instance();

  void stored(const std::string& tenant, const std::string& listener, std::uint64_t bytes,
              double commit_seconds);
  void tempfail(Tempfail reason);
  // The whole file in Prometheus text exposition format 0.0.4.
  std::string render(const Gauges& g) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::pair<std::uint64_t, std::uint64_t>> archived_;
  std::map<Tempfail, std::uint64_t> tempfails_;
  std::array<std::uint64_t, kCommitBuckets.size()> buckets_{};  // non-cumulative
  std::uint64_t commits_ = 0;
  double commit_sum_ = 0;
};

// Escapes a label value (backslash, double quote, newline).
std::string label_value(const std::string& v);

}  // namespace postjournal::metrics
