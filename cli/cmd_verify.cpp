// postjournal verify: re-check hash chains and stored content of one or all tenants.
#include <iostream>

#include "commands.hpp"
#include "util/json_writer.hpp"

namespace postjournal::cli {

int run_verify(const Context& ctx, const Args& args) {
  bool json = args.has("json");
  util::JsonWriter w;
  w.begin_array();
  bool all_ok = true;
  for (const auto& t : ctx.selected_or_all(args)) {
    archive::VerifyReport r = ctx.open_existing(t)->verify();
    all_ok = all_ok && r.ok();
    if (json) {
      w.begin_object().key("tenant").value(t.str()).key("ok").value(r.ok());
      w.key("deliveries").value(r.deliveries).key("removed").value(r.removed);
      w.key("audit_entries").value(r.audit_entries).key("contents").value(r.contents);
      w.key("content_bytes").value(r.content_bytes).key("problems").begin_array();
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
    for (const auto& p : r.problems) std::cout << "  " << p.where << ": " << p.what << "\n";
  }
  w.end_array();
  if (json) std::cout << w.str();
  return all_ok ? kExitOk : kExitProblem;
}

}  // namespace postjournal::cli
