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

namespace {

// timestamp --list: every stored stamp and whether it verifies (stamp/check.hpp).
int list_stamps(const Context& ctx, const Args& args) {
  bool json = args.has("json");
  util::JsonWriter w;
  w.begin_array();
  bool all_valid = true;
  if (!json) {
    std::cout << pad("TENANT", 16) << pad("STAMP", 7) << pad("TSA TIME", 22)
              << pad("DELIVERIES", 12) << pad("AUDIT", 8) << pad("SERIAL", 18) << "STATE\n";
  }
  for (const auto& t : ctx.selected_or_all(args)) {
    auto cov = stamp::check_stamps(*ctx.open_existing(t), ctx.config.timestamp_ca_file);
    for (const auto& c : cov.stamps) {
      const auto& r = c.record;
      std::string state = cov.unchecked ? "NOT CHECKED (timestamp.ca_file is not set)"
                                        : (c.problem.empty() ? "VALID" : "INVALID: " + c.problem);
      all_valid = all_valid && (cov.unchecked || c.problem.empty());
      std::string serial = c.info ? c.info->serial : "";
      if (json) {
        w.begin_object().key("tenant").value(t.str()).key("stamp").value(r.seq);
        w.key("tsa_time").value(util::format_iso8601(r.gen_time));
        w.key("requested").value(util::format_iso8601(r.requested));
        w.key("deliveries").value(r.deliveries.seq).key("audit_entries").value(r.audit.seq);
        w.key("tsa_url").value(r.tsa_url).key("serial").value(serial);
        w.key("tsa_name").value(c.info ? c.info->tsa_name : "");
        w.key("policy").value(c.info ? c.info->policy : "");
        w.key("valid").value(!cov.unchecked && c.problem.empty());
        w.key("problem").string_or_null(cov.unchecked ? "not checked" : c.problem).end_object();
      } else {
        std::cout << pad(t.str(), 16) << pad(std::to_string(r.seq), 7)
                  << pad(util::format_iso8601(r.gen_time), 22)
                  << pad("1.." + std::to_string(r.deliveries.seq), 12)
                  << pad("1.." + std::to_string(r.audit.seq), 8) << pad(serial, 18)
                  << printable(state) << "\n";
      }
    }
  }
  w.end_array();
  if (json) std::cout << w.str();
  return all_valid ? kExitOk : kExitProblem;
}

}  // namespace

int run_timestamp(const Context& ctx, const Args& args) {
  if (args.has("list")) return list_stamps(ctx, args);
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
