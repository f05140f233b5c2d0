// postjournal status: is every source alive? One row per listener and mailbox (see
// state/status.hpp for the states and the exit status).
#include <sys/stat.h>

#include <iostream>

#include "commands.hpp"
#include "render.hpp"
#include "state/status.hpp"
#include "util/json_writer.hpp"

namespace postjournal::cli {

namespace {

std::string age(util::TimeUs now, util::TimeUs then) {
  if (then == 0) return "-";
  util::TimeUs s = (now - then) / 1000000;
  if (s < 0) return "0s";
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::uint64_t no_tenant_queue(const Context& ctx) {
  if (!archive::archive_exists(ctx.root, archive::TenantId::no_tenant())) return 0;
  return ctx.open_existing(archive::TenantId::no_tenant())->count();
}

std::map<std::string, state::SourceState> recorded(const Context& ctx) {
  struct stat st {};
  if (::stat((ctx.root + "/_state/data.mdb").c_str(), &st) != 0) return {};
  return ctx.service().state().all();
}

}  // namespace

int run_status(const Context& ctx, const Args& args) {
  util::TimeUs now = parse_time_option(args, "now").value_or(util::now_us());
  auto rows = state::evaluate(ctx.config, recorded(ctx), now);
  std::uint64_t queue = no_tenant_queue(ctx);
  if (args.has("json")) {
    util::JsonWriter w;
    w.begin_object().key("now").value(util::format_iso8601(now)).key("sources").begin_array();
    for (const auto& r : rows) {
      w.begin_object().key("name").value(r.name).key("kind").value(r.kind);
      w.key("tenant").value(r.tenant).key("active").value(r.active).key("type").value(r.type);
      w.key("state").value(state::to_string(r.health));
      w.key("last_message")
          .string_or_null(r.state.last_message ? util::format_iso8601(r.state.last_message) : "");
      w.key("last_id").string_or_null(r.state.last_id);
      w.key("messages_24h").value(r.last_24h).key("messages").value(r.state.messages);
      w.key("bytes").value(r.state.bytes);
      w.key("allowed_inactivity_hours").value(r.allowed_inactivity_hours);
      w.key("last_failure")
          .string_or_null(r.state.last_failure ? util::format_iso8601(r.state.last_failure) : "");
      w.key("last_failure_reason").string_or_null(r.state.last_failure_reason);
      w.key("failures").value(r.state.failures).end_object();
    }
    w.end_array().key("no_tenant_queue").value(queue).end_object();
    std::cout << w.str();
  } else {
    std::cout << pad("SOURCE", 24) << pad("KIND", 9) << pad("TENANT", 16) << pad("TYPE", 11)
              << pad("LAST MESSAGE", 22) << pad("AGE", 6) << pad("24H", 7) << "STATE\n";
    for (const auto& r : rows) {
      std::cout << pad(r.name, 24) << pad(r.kind, 9) << pad(r.tenant, 16) << pad(r.type, 11)
                << pad(r.state.last_message ? util::format_iso8601(r.state.last_message) : "never",
                       22)
                << pad(age(now, r.state.last_message), 6) << pad(std::to_string(r.last_24h), 7)
                << state::to_string(r.health);
      if (r.health == state::Health::kFailing)
        std::cout << " (" << r.state.last_failure_reason << ")";
      std::cout << "\n";
    }
    std::cout << "No Tenant queue: " << queue << (queue == 1 ? " delivery" : " deliveries")
              << (queue > 0 ? " (postjournal queue)" : "") << "\n";
  }
  return state::status_exit_code(rows, queue);
}

}  // namespace postjournal::cli
