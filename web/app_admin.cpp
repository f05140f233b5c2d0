// GET /audit, /api/audit (operator; auditor of the tenant) and /status, /api/status (operator):
// the sources as `postjournal status` evaluates them (state/status.hpp), the No Tenant queue
// length, each tenant's archive and index.
#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "app.hpp"
#include "archive/registry.hpp"
#include "index/index.hpp"
#include "pages.hpp"
#include "state/status.hpp"
#include "util/json_writer.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace postjournal::web {

Response App::audit(const Request& r, const Caller& c, bool api) {
  std::vector<archive::TenantId> readable;
  for (const auto& t : archive::list_tenants(config_->archive_root)) {
    if (access::may_read_audit(c.who, t)) readable.push_back(t);
  }
  if (readable.empty()) return error(404, "No audit log you may read.", api);
  archive::TenantId tenant = readable.front();
  if (!r.param("tenant").empty()) {
    auto t = archive::TenantId::parse_any(r.param("tenant"));
    if (!t || std::find(readable.begin(), readable.end(), *t) == readable.end())
      return error(404, "No such tenant.", api);
    tenant = *t;
  }
  auto a = existing(tenant);
  if (!a) return error(404, "No such tenant.", api);
  auto entries = a->audit();
  std::reverse(entries.begin(), entries.end());  // newest first
  unsigned long long limit = 200, offset = 0;
  if (!r.param("limit").empty()) util::parse_u64(r.param("limit"), limit);
  if (!r.param("offset").empty()) util::parse_u64(r.param("offset"), offset);
  limit = std::min<unsigned long long>(std::max<unsigned long long>(limit, 1), 5000);
  std::size_t from = std::min<std::size_t>(static_cast<std::size_t>(offset), entries.size());
  std::size_t to = std::min<std::size_t>(from + static_cast<std::size_t>(limit), entries.size());
  if (api) {
    util::JsonWriter w;
    w.begin_object()
        .key("tenant")
        .value(tenant.str())
        .key("total")
        .value(static_cast<std::uint64_t>(entries.size()));
    w.key("entries").begin_array();
    for (std::size_t i = from; i < to; ++i) {
      const auto& e = entries[i];
      w.begin_object().key("seq").value(e.seq).key("time").value(util::format_iso8601(e.time));
      w.key("user").value(e.user).key("action").value(e.action);
      w.key("delivery").string_or_null(e.delivery).key("reason").string_or_null(e.reason);
      w.key("detail").string_or_null(e.detail).end_object();
    }
    w.end_array().end_object();
    return json(200, w.str());
  }
  std::string body =
      "<h1>Audit log</h1><form method=\"get\" action=\"/audit\"><label>Tenant "
      "<select name=\"tenant\">";
  for (const auto& t : readable) {
    body +=
        "<option" + std::string(t == tenant ? " selected" : "") + ">" + h(t.str()) + "</option>";
  }
  body += "</select></label> <button type=\"submit\">Show</button></form><p>" +
          std::to_string(entries.size()) +
          " entries, newest first.</p><table id=\"audit\">"
          "<thead><tr><th>#</th><th>Time</th><th>User</th><th>Action</th><th>Delivery</th>"
          "<th>Reason / query</th><th>Detail</th></tr></thead><tbody>";
  for (std::size_t i = from; i < to; ++i) {
    const auto& e = entries[i];
    body += "<tr><td>" + std::to_string(e.seq) + "</td><td>" + h(util::format_iso8601(e.time)) +
            "</td><td>" + h(e.user) + "</td><td>" + h(e.action) + "</td><td>" + h(e.delivery) +
            "</td><td>" + h(e.reason) + "</td><td>" + h(e.detail) + "</td></tr>";
  }
  body += "</tbody></table>";
  if (to < entries.size()) {
    body += "<p><a href=\"/audit?tenant=" + h(url_encode(tenant.str())) +
            "&amp;offset=" + std::to_string(to) + "\">older</a></p>";
  }
  return html(200, page("Audit log", &c.who, c.csrf, body));
}

Response App::status(const Request& r, const Caller& c, bool api) {
  (void)r;
  if (!access::may_operate(c.who)) return error(404, "No such page.", api);
  util::TimeUs now = util::now_us();
  std::map<std::string, state::SourceState> states;
  struct stat state_file {};
  // The state store is the milter's: read when it exists, never created here.
  if (::stat((config_->archive_root + "/_state/data.mdb").c_str(), &state_file) == 0)
    states = service_.state().all();
  auto sources = state::evaluate(*config_, states, now);
  util::JsonWriter w;
  w.begin_object().key("now").value(util::format_iso8601(now)).key("sources").begin_array();
  std::string source_rows;
  for (const auto& s : sources) {
    std::string last = s.state.last_message ? util::format_iso8601(s.state.last_message) : "";
    w.begin_object().key("name").value(s.name).key("kind").value(s.kind);
    w.key("tenant").value(s.tenant).key("state").value(state::to_string(s.health));
    w.key("last_message").string_or_null(last).key("messages_24h").value(s.last_24h);
    w.key("messages").value(s.state.messages);
    w.key("last_failure_reason").string_or_null(s.state.last_failure_reason).end_object();
    source_rows += "<tr><td>" + h(s.name) + "</td><td>" + h(s.kind) + "</td><td>" + h(s.tenant) +
                   "</td><td class=\"state\">" + h(state::to_string(s.health)) + "</td><td>" +
                   h(last.empty() ? "-" : last) + "</td><td>" + std::to_string(s.last_24h) +
                   "</td><td>" + h(s.state.last_failure_reason) + "</td></tr>";
  }
  auto queue = existing(archive::TenantId::no_tenant());
  std::uint64_t queued = queue ? queue->count() : 0;
  w.end_array().key("no_tenant_queue").value(queued).key("tenants").begin_array();
  std::string rows;
  for (const auto& t : archive::list_tenants(config_->archive_root)) {
    auto a = existing(t);
    if (!a) continue;
    auto last = a->list({}, 1);
    std::string when = last.empty() ? "" : util::format_iso8601(last.front().transport.received);
    auto st = index::read_state(index::index_dir(config_->archive_root, t));
    std::uint64_t lag = st.exists ? a->count_after(st.watermark) : a->count();
    w.begin_object().key("tenant").value(t.str()).key("deliveries").value(a->count());
    w.key("last_received").string_or_null(when).key("index_exists").value(st.exists);
    w.key("indexed_up_to").value(st.watermark).key("not_indexed").value(lag).end_object();
    rows += "<tr><td>" + h(t.str()) + "</td><td>" + std::to_string(a->count()) + "</td><td>" +
            h(when.empty() ? "-" : when) + "</td><td>" +
            (st.exists ? std::to_string(lag) + " not indexed" : std::string("no index")) +
            "</td></tr>";
  }
  w.end_array().end_object();
  if (api) return json(200, w.str());
  std::string body =
      "<h1>Status</h1><h2>Sources</h2><table id=\"sources\"><thead><tr><th>Name</th>"
      "<th>Kind</th><th>Tenant</th><th>State</th><th>Last message</th><th>24 h</th>"
      "<th>Last failure</th></tr></thead><tbody>" +
      source_rows +
      "</tbody></table><p><a href=\"/no-tenant\">No Tenant queue</a>: " + std::to_string(queued) +
      (queued == 1 ? " delivery" : " deliveries") +
      ".</p><h2>Archives and indexes</h2><table id=\"status\"><thead><tr><th>Tenant</th>"
      "<th>Deliveries</th><th>Last received</th><th>Index</th></tr></thead><tbody>" +
      rows +
      "</tbody></table><p class=\"note\">Timestamps and retention: "
      "<code>postjournal status</code> on the archive host.</p>";
  return html(200, page("Status", &c.who, c.csrf, body));
}

}  // namespace postjournal::web
