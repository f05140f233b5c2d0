// GET /retention, /api/retention (operators; auditors of the tenant) and POST /retention/hold,
// /retention/release, /api/retention/hold, /api/retention/release (auditors of the whole tenant,
// access::may_hold): a tenant's retention summary and legal holds; placing and releasing a hold
// does what `postjournal hold create|release` does (retention/engine.hpp: the hold, its pins and
// its audit entry), the actor being the web identity.
#include <unistd.h>

#include <algorithm>

#include "app.hpp"
#include "archive/registry.hpp"
#include "index/index.hpp"
#include "pages.hpp"
#include "retention/engine.hpp"
#include "retention/json.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace postjournal::web {

namespace {

std::string when(util::TimeUs t) {
  return t ? util::format_iso8601(t) : "-";
}

}  // namespace

// The tenant a retention request names (the first one he may see when none is named), or
// nullopt (answered 404) when he may see none or not that one.
std::optional<archive::TenantId> App::retention_tenant(const Request& r, const Caller& c,
                                                       std::vector<archive::TenantId>& seen) {
  for (const auto& t : archive::list_tenants(config_->archive_root)) {
    if (!t.is_no_tenant() && access::may_see_retention(c.who, t)) seen.push_back(t);
  }
  if (seen.empty()) return std::nullopt;
  if (r.param("tenant").empty()) return seen.front();
  auto t = archive::TenantId::parse(r.param("tenant"));
  if (!t || std::find(seen.begin(), seen.end(), *t) == seen.end()) return std::nullopt;
  return t;
}

Response App::retention(const Request& r, const Caller& c, bool api) {
  std::vector<archive::TenantId> seen;
  auto tenant = retention_tenant(r, c, seen);
  if (!tenant) return error(404, "No such tenant.", api);
  auto a = existing(*tenant);
  if (!a) return error(404, "No such tenant.", api);
  auto sum = retention::summary(*a, *config_);
  auto holds = retention::holds(*a);
  if (api) {
    util::JsonWriter w;
    w.begin_object().key("tenant").value(tenant->str()).key("policy").value(sum.has_policy);
    w.key("held").value(sum.held).key("active_holds").value(sum.active_holds);
    w.key("next_purge")
        .string_or_null(sum.next_expiry ? util::format_iso8601(*sum.next_expiry) : "");
    w.key("purged").value(sum.purged).key("erased").value(sum.erased);
    w.key("unevaluated").value(sum.unevaluated).key("holds").begin_array();
    for (const auto& h : holds) retention::hold_json(w, h);
    w.end_array().end_object();
    return json(200, w.str());
  }
  std::string body =
      "<h1>Retention and legal holds</h1><form method=\"get\" action=\"/retention\"><label>"
      "Tenant <select name=\"tenant\">";
  for (const auto& t : seen) {
    body +=
        "<option" + std::string(t == *tenant ? " selected" : "") + ">" + h(t.str()) + "</option>";
  }
  body += "</select></label> <button type=\"submit\">Show</button></form>";
  if (r.param("done") == "hold" || r.param("done") == "release") {
    body +=
        "<p class=\"done\" id=\"done\">" +
        h("Hold " + r.param("name") + (r.param("done") == "hold" ? " placed" : " released") + ".") +
        "</p>";
  }
  body += "<table id=\"summary\"><tbody><tr><th>Policy</th><td>" +
          std::string(sum.has_policy ? "configured (retention: in the configuration)"
                                     : "none: kept forever") +
          "</td></tr><tr><th>Deliveries held</th><td>" + std::to_string(sum.held) +
          "</td></tr><tr><th>Active holds</th><td>" + std::to_string(sum.active_holds) +
          "</td></tr><tr><th>Next purge</th><td>" +
          h(sum.next_expiry ? util::format_iso8601(*sum.next_expiry) : "-") +
          "</td></tr><tr><th>Purged / erased so far</th><td>" + std::to_string(sum.purged) + " / " +
          std::to_string(sum.erased) + "</td></tr><tr><th>Not evaluated yet</th><td>" +
          std::to_string(sum.unevaluated) + "</td></tr></tbody></table>";
  body +=
      "<h2>Holds</h2><table id=\"holds\"><thead><tr><th>Name</th><th>State</th><th>Scope</th>"
      "<th>Held</th><th>Placed</th><th>Reason</th><th>Released</th></tr></thead><tbody>";
  bool may = access::may_hold(c.who, *tenant);
  std::string hidden = "<input type=\"hidden\" name=\"csrf\" value=\"" + h(c.csrf) +
                       "\"><input type=\"hidden\" name=\"tenant\" value=\"" + h(tenant->str()) +
                       "\">";
  for (const auto& x : holds) {
    const auto& hd = x.hold;
    body += "<tr><td>" + h(hd.name) + "</td><td>" + (hd.active() ? "active" : "released") +
            "</td><td>" + h(hd.kind + (hd.scope.empty() ? "" : " " + hd.scope)) + "</td><td>" +
            std::to_string(x.pinned) + "</td><td>" + h(when(hd.created) + " by " + hd.created_by) +
            "</td><td>" + h(hd.reason) + "</td><td>";
    if (!hd.active()) {
      body += h(when(hd.released) + " by " + hd.released_by + ": " + hd.release_reason);
    } else if (may) {
      body += "<form method=\"post\" action=\"/retention/release\">" + hidden +
              "<input type=\"hidden\" name=\"name\" value=\"" + h(hd.name) +
              "\"><input name=\"reason\" required placeholder=\"reason\"> <button "
              "type=\"submit\">Release</button></form>";
    }
    body += "</td></tr>";
  }
  body += "</tbody></table>";
  if (may) {
    body +=
        "<h2>Place a hold</h2><form class=\"search\" method=\"post\" action=\"/retention/hold\">" +
        hidden +
        "<label>Name <input name=\"name\" required pattern=\"[A-Za-z0-9._\\-]{1,64}\"></label>"
        "<label>Kind <select name=\"kind\"><option value=\"query\">deliveries matching a "
        "query</option><option value=\"address\">deliveries with a participant "
        "address</option><option value=\"all\">the whole tenant</option></select></label>"
        "<label class=\"wide\">Query or address <input name=\"scope\"></label>"
        "<label class=\"wide\">Reason <input name=\"reason\" required></label>"
        "<button type=\"submit\">Place the hold</button></form><p class=\"note\">A hold keeps "
        "present and future deliveries in its scope from purge and erasure until it is "
        "released.</p>";
  }
  return html(200, page("Retention", &c.who, c.csrf, body));
}

Response App::hold(const Request& r, const Caller& c, bool release, bool api) {
  std::vector<archive::TenantId> seen;
  auto tenant = retention_tenant(r, c, seen);
  if (!tenant || !access::may_hold(c.who, *tenant)) return error(404, "No such page.", api);
  auto a = existing(*tenant);
  if (!a) return error(404, "No such tenant.", api);
  std::string reason(util::trim(r.param("reason")));
  if (reason.empty()) return error(400, "A reason is required: the audit log keeps it.", api);
  retention::Actor who{audit_user(c, r), static_cast<std::uint64_t>(::getuid())};
  retention::HoldReport rep;
  try {
    if (release) {
      rep = retention::release_hold(*a, r.param("name"), reason, who, util::now_us());
    } else {
      retention::HoldRequest q{r.param("name"), r.param("kind"),
                               std::string(util::trim(r.param("scope"))), reason};
      if (q.kind == "all") q.scope.clear();
      rep = retention::create_hold(*a, *config_, q, who, util::now_us());
    }
  } catch (const archive::LmdbError&) {
    throw;
  } catch (const index::IndexMissing& e) {
    return error(503, e.what(), api);
  } catch (const std::runtime_error& e) {  // a bad name, kind or query; a hold that exists
    return error(400, e.what(), api);
  }
  util::log(util::LogLevel::kInfo, std::string(release ? "hold released" : "hold created") +
                                       " tenant=" + tenant->str() + " hold=" + rep.hold.name +
                                       " by=" + who.name + " held=" + std::to_string(rep.pinned));
  if (api) {
    util::JsonWriter w;
    retention::hold_json(w, rep);
    return json(200, w.str());
  }
  return redirect("/retention?tenant=" + url_encode(tenant->str()) +
                  "&done=" + (release ? "release" : "hold") + "&name=" + url_encode(rep.hold.name));
}

}  // namespace postjournal::web
