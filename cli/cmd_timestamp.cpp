// postjournal timestamp: stamp tenants' chain heads now (stamp/anchor.hpp); and the evidence
// bundle of `export ID --evidence` (stamp/evidence.hpp).
#include <iostream>

#include "commands.hpp"
#include "render.hpp"
#include "stamp/anchor.hpp"
#include "stamp/check.hpp"
#include "stamp/evidence.hpp"
#include "util/json_writer.hpp"

namespace postjournal::cli {

int run_timestamp(const Context& ctx, const Args& args) {
  stamp::Settings settings;
  try {
    settings = stamp::settings_from(ctx.config);
  } catch (const stamp::StampError& e) {
    throw CommandError(kExitConfig, e.what());
  }
  bool json = args.has("json");
  util::JsonWriter w;
  w.begin_array();
  int rc = kExitOk;
  for (const auto& t : ctx.selected_or_all(args)) {
    auto a = ctx.open_existing(t);
    archive::Heads heads = a->heads();
    if (heads.deliveries.seq == 0 && heads.audit.seq == 0) {
      if (json) {
        w.begin_object().key("tenant").value(t.str()).key("stamped").value(false);
        w.key("reason").value("nothing to stamp").end_object();
      } else {
        std::cout << t.str() << ": nothing to stamp (no deliveries, no audit entries)\n";
      }
      continue;
    }
    std::string source = stamp::row_name(t);
    try {
      archive::StampRecord rec = stamp::take_stamp(*a, settings, true);
      ctx.service().state().update(source, [](state::SourceState& s) {
        ++s.messages;
        s.failing = false;
      });
      if (json) {
        w.begin_object().key("tenant").value(t.str()).key("stamped").value(true);
        w.key("stamp").value(rec.seq).key("deliveries").value(rec.deliveries.seq);
        w.key("audit_entries").value(rec.audit.seq);
        w.key("tsa_time").value(util::format_iso8601(rec.gen_time)).end_object();
      } else {
        std::cout << t.str() << ": stamp " << rec.seq << " covers deliveries 1.."
                  << rec.deliveries.seq << " and audit entries 1.." << rec.audit.seq
                  << ", TSA time " << util::format_iso8601(rec.gen_time) << "\n";
      }
    } catch (const stamp::StampError& e) {
      ctx.service().state().record_failure(source, util::now_us(), e.what());
      if (json) {
        w.begin_object().key("tenant").value(t.str()).key("stamped").value(false);
        w.key("reason").value(e.what()).end_object();
      } else {
        std::cerr << "postjournal: " << t.str() << ": no stamp: " << e.what() << "\n";
      }
      rc = e.kind() == stamp::StampError::Kind::kConfig ? kExitConfig : kExitTempFail;
    }
  }
  w.end_array();
  if (json) std::cout << w.str();
  return rc;
}

int export_evidence(const Context& ctx, const Args& args, const archive::DeliveryId& id) {
  auto out = args.value("output");
  if (!out || *out == "-") throw UsageError("export --evidence needs -o BUNDLE.zip or -o DIR");
  auto a = ctx.open_existing(id.tenant);
  auto d = a->get(id.seq);
  if (!d) throw CommandError(kExitProblem, "no delivery " + id.str() + removed_note(ctx, id));
  if (ctx.config.timestamp_ca_file.empty()) {
    throw CommandError(kExitConfig, "timestamp.ca_file is not set: the stamps cannot be checked");
  }
  try {
    auto sum = stamp::write_bundle(*a, id.seq, ctx.config.timestamp_ca_file,
                                   show_json(Listed{id.tenant, *d}, {}), *out);
    std::cerr << id.str() << ": evidence written to " << *out << " (stamp " << sum.stamp
              << " of deliveries 1.." << sum.head << ", TSA time "
              << util::format_iso8601(sum.tsa_time) << ", " << sum.chain_steps << " chain steps)\n";
  } catch (const stamp::EvidenceError& e) {
    throw CommandError(kExitTempFail, e.what());
  } catch (const std::system_error& e) {
    throw CommandError(kExitSoftware, e.what());
  }
  return kExitOk;
}

}  // namespace postjournal::cli
