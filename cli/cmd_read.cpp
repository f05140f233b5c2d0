// postjournal tenants / list / search / show: read-only views of the archives.
#include <iostream>

#include "commands.hpp"
#include "render.hpp"
#include "util/json_writer.hpp"
#include "util/strings.hpp"

namespace postjournal::cli {

namespace {

int print_listing(const Args& args, std::vector<Listed>& all, std::size_t limit) {
  sort_newest_first(all);
  if (limit != 0 && all.size() > limit)
    all.erase(all.begin() + static_cast<std::ptrdiff_t>(limit), all.end());
  std::cout << (args.has("json") ? list_json(all) : list_text(all));
  return kExitOk;
}

}  // namespace

int run_tenants(const Context& ctx, const Args& args) {
  util::JsonWriter w;
  w.begin_array();
  std::string text = "TENANT                           DELIVERIES  LAST RECEIVED\n";
  for (const auto& t : archive::list_tenants(ctx.root)) {
    auto a = ctx.open_existing(t);
    auto last = a->list({}, 1);
    std::uint64_t count = a->count();
    std::string when = last.empty() ? "" : util::format_iso8601(last.front().transport.received);
    w.begin_object().key("tenant").value(t.str()).key("deliveries").value(count);
    w.key("last_received").string_or_null(when).end_object();
    std::string name = t.str();
    name.resize(std::max<std::size_t>(name.size(), 32), ' ');
    std::string n = std::to_string(count);
    n.insert(0, n.size() < 10 ? 10 - n.size() : 0, ' ');
    text += name + " " + n + "  " + (when.empty() ? "-" : when) + "\n";
  }
  w.end_array();
  std::cout << (args.has("json") ? w.str() : text);
  return kExitOk;
}

int run_list(const Context& ctx, const Args& args) {
  archive::TimeRange range{parse_time_option(args, "since"), parse_time_option(args, "until")};
  std::size_t limit = limit_option(args);
  std::vector<Listed> all;
  for (const auto& t : ctx.selected_or_all(args)) {
    for (auto& d : ctx.open_existing(t)->list(range, limit)) all.push_back({t, std::move(d)});
  }
  return print_listing(args, all, limit);
}

int run_search(const Context& ctx, const Args& args) {
  if (!args.positional().empty()) return run_fulltext_search(ctx, args);
  for (const char* o : {"count", "offset", "sort"}) {
    if (args.has(o)) throw UsageError(std::string("--") + o + " needs a QUERY");
  }
  archive::SearchQuery q;
  q.address = args.value("address").value_or("");
  q.message_id = args.value("message-id").value_or("");
  if (auto h = args.value("sha256")) {
    util::Digest d{};
    if (!util::digest_from_hex(*h, d)) throw UsageError("--sha256 needs 64 hex digits");
    q.content_sha256 = d;
  }
  q.range = {parse_time_option(args, "since"), parse_time_option(args, "until")};
  q.limit = limit_option(args);
  if (q.address.empty() && q.message_id.empty() && !q.content_sha256 && !q.range.since &&
      !q.range.until) {
    throw UsageError("search needs a QUERY, --address, --message-id, --sha256, --since or --until");
  }
  std::vector<Listed> all;
  for (const auto& t : ctx.selected_or_all(args)) {
    for (auto& d : ctx.open_existing(t)->search(q)) all.push_back({t, std::move(d)});
  }
  return print_listing(args, all, q.limit);
}

int run_show(const Context& ctx, const Args& args) {
  if (args.positional().size() != 1) throw UsageError("show needs exactly one delivery ID");
  archive::DeliveryId id = parse_id(args.positional()[0]);
  auto a = ctx.open_existing(id.tenant);
  auto d = a->get(id.seq);
  if (!d) throw CommandError(kExitProblem, "no delivery " + id.str() + removed_note(ctx, id));
  view::Related others = view::related(*a, *d);
  Listed l{id.tenant, std::move(*d)};
  std::cout << (args.has("json") ? show_json(l, others) : show_text(l, others));
  return kExitOk;
}

}  // namespace postjournal::cli
