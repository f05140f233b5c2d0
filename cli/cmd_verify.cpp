// postjournal verify: re-check hash chains and stored content of one or all tenants.
#include <iostream>

#include "commands.hpp"
#include "index/index.hpp"
#include "stamp/check.hpp"
#include "util/json_writer.hpp"

namespace postjournal::cli {

namespace {

util::TimeUs last_valid_time(const stamp::Coverage& c) {
  util::TimeUs t = 0;
  for (const auto& s : c.stamps) {
    if (s.problem.empty()) t = std::max(t, s.record.gen_time);
  }
  return t;
}

std::string timestamp_line(const Context& ctx, const stamp::Coverage& c) {
  if (c.stamps.empty()) {
    return ctx.config.timestamp_url.empty() ? "none (timestamp.url is not set)"
                                            : "none yet (postjournal timestamp)";
  }
  std::string s =
      std::to_string(c.stamps.size()) + (c.stamps.size() == 1 ? " stamp, " : " stamps, ");
  if (c.unchecked) return s + "not checked: timestamp.ca_file is not set (the TSA's trust anchors)";
  s += std::to_string(c.valid) + " valid; ";
  if (c.valid == 0) return s + "no delivery is covered by a valid stamp";
  s += "deliveries 1.." + std::to_string(c.covered) + " covered (TSA time " +
       util::format_iso8601(last_valid_time(c)) + ")";
  if (c.last_seq > c.covered) {
    s += ", " + std::to_string(c.covered + 1) + ".." + std::to_string(c.last_seq) + " not yet";
  }
  if (c.audit_last > 0) {
    s += "; audit entries 1.." + std::to_string(c.audit_covered) + " of " +
         std::to_string(c.audit_last) + " covered";
  }
  return s;
}

}  // namespace

int run_verify(const Context& ctx, const Args& args) {
  bool json = args.has("json");
  util::JsonWriter w;
  w.begin_array();
  bool all_ok = true;
  for (const auto& t : ctx.selected_or_all(args)) {
    auto a = ctx.open_existing(t);
    archive::VerifyReport r = a->verify();
    index::Coverage cov = index::check_coverage(*a, index::index_dir(ctx.root, t));
    for (auto seq : cov.missing) {
      r.problems.push_back({archive::DeliveryId{t, seq}.str(),
                            "not in the full-text index although the index covers up to " +
                                std::to_string(cov.watermark) + " (postjournal reindex --tenant " +
                                t.str() + ")"});
    }
    for (auto seq : cov.stale) {
      r.problems.push_back({archive::DeliveryId{t, seq}.str(),
                            "in the full-text index but not in the archive (postjournal reindex "
                            "--tenant " +
                                t.str() + ")"});
    }
    stamp::Coverage stamps = stamp::check_stamps(*a, ctx.config.timestamp_ca_file);
    r.problems.insert(r.problems.end(), stamps.problems.begin(), stamps.problems.end());
    all_ok = all_ok && r.ok();
    if (json) {
      w.begin_object().key("tenant").value(t.str()).key("ok").value(r.ok());
      w.key("deliveries").value(r.deliveries).key("removed").value(r.removed);
      w.key("audit_entries").value(r.audit_entries).key("contents").value(r.contents);
      w.key("content_bytes").value(r.content_bytes);
      w.key("storage").begin_object().key("format").value(
          static_cast<std::uint64_t>(a->format_version()));
      w.key("encrypted").value(a->encrypted()).key("blobs_encrypted").value(r.blobs_encrypted);
      w.key("blobs_clear").value(r.blobs_clear).key("blobs_format1").value(r.blobs_v1);
      w.end_object();
      w.key("index").begin_object().key("exists").value(cov.exists);
      w.key("watermark").value(cov.watermark).key("covered").value(cov.covered).end_object();
      w.key("timestamps")
          .begin_object()
          .key("stamps")
          .value(static_cast<std::uint64_t>(stamps.stamps.size()));
      w.key("valid").value(stamps.valid).key("deliveries_covered").value(stamps.covered);
      w.key("deliveries_not_covered").value(stamps.last_seq - stamps.covered);
      w.key("audit_covered").value(stamps.audit_covered);
      w.key("audit_not_covered").value(stamps.audit_last - stamps.audit_covered);
      w.key("tsa_time")
          .string_or_null(stamps.valid > 0 ? util::format_iso8601(last_valid_time(stamps)) : "");
      w.end_object();
      w.key("problems").begin_array();
      for (const auto& p : r.problems) {
        w.begin_object().key("where").value(p.where).key("what").value(p.what).end_object();
      }
      w.end_array().end_object();
      continue;
    }
    std::cout << t.str() << ": " << r.deliveries
              << (r.deliveries == 1 ? " delivery, " : " deliveries, ")
              << (r.removed > 0 ? std::to_string(r.removed) + " removed (see audit), " : "")
              << r.contents << (r.contents == 1 ? " stored message (" : " stored messages (")
              << r.content_bytes << " bytes): " << (r.ok() ? "OK" : "FAILED") << "\n";
    std::cout << "  index: "
              << (cov.exists ? "covers " + std::to_string(cov.covered) + " deliveries up to " +
                                   std::to_string(cov.watermark)
                             : std::string("none yet"))
              << "\n";
    std::cout << "  storage: format " << a->format_version() << ", " << r.blobs_encrypted
              << " blobs encrypted, " << r.blobs_clear << " in clear, " << r.blobs_v1
              << " in format 1\n";
    std::cout << "  timestamps: " << timestamp_line(ctx, stamps) << "\n";
    for (const auto& p : r.problems) std::cout << "  " << p.where << ": " << p.what << "\n";
  }
  w.end_array();
  if (json) std::cout << w.str();
  return all_ok ? kExitOk : kExitProblem;
}

}  // namespace postjournal::cli
