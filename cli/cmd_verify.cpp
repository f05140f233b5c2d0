// postjournal verify: re-check hash chains and stored content of one or all tenants.
#include <iostream>

#include "commands.hpp"
#include "index/index.hpp"
#include "util/json_writer.hpp"

namespace postjournal::cli {

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
    for (const auto& p : r.problems) std::cout << "  " << p.where << ": " << p.what << "\n";
  }
  w.end_array();
  if (json) std::cout << w.str();
  return all_ok ? kExitOk : kExitProblem;
}

}  // namespace postjournal::cli
