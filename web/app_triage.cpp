// GET /no-tenant, /api/no-tenant and POST /no-tenant/assign|delete, /api/no-tenant/assign|delete
// (operator): the No Tenant queue and its triage. The list shows transport and journal envelope
// data only (who, to whom, why queued) — no mail content. assign and delete need a reason and
// write the audit entry of the No Tenant archive in the removal's own transaction
// (archive/triage.hpp), exactly as `postjournal assign|delete` do; the user is the web identity.
#include <algorithm>

#include "app.hpp"
#include "archive/triage.hpp"
#include "config/tenants.hpp"
#include "pages.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace postjournal::web {

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string sender_of(const archive::Delivery& d) {
  return d.envelope.sender.empty() ? d.transport.mail_from : d.envelope.sender;
}

}  // namespace

Response App::no_tenant(const Request& r, const Caller& c, bool api) {
  if (!access::may_operate(c.who)) return error(404, "No such page.", api);
  auto queue = existing(archive::TenantId::no_tenant());
  unsigned long long limit = 200, offset = 0;
  if (!r.param("limit").empty()) util::parse_u64(r.param("limit"), limit);
  if (!r.param("offset").empty()) util::parse_u64(r.param("offset"), offset);
  limit = std::clamp<unsigned long long>(limit, 1, 5000);
  std::vector<archive::Delivery> items;
  std::uint64_t total = queue ? queue->count() : 0;
  if (queue) {
    // Oldest first: the queue is worked through in arrival order.
    auto all = queue->list({}, static_cast<std::size_t>(offset + limit));
    std::reverse(all.begin(), all.end());
    if (offset < all.size())
      items.assign(all.begin() + static_cast<std::ptrdiff_t>(offset), all.end());
  }
  auto tenants = config::known_tenants(*config_, config_->archive_root);
  if (api) {
    util::JsonWriter w;
    w.begin_object().key("total").value(total).key("deliveries").begin_array();
    for (const auto& d : items) {
      w.begin_object().key("id").value(
          archive::DeliveryId{archive::TenantId::no_tenant(), d.seq}.str());
      w.key("received").value(util::format_iso8601(d.transport.received));
      w.key("source").value(d.transport.source).key("sender").value(sender_of(d));
      w.key("recipients").begin_array();
      for (const auto& a : archive::queued_recipients(d)) w.value(a);
      w.end_array().key("smtp_recipients").begin_array();
      for (const auto& a : d.transport.rcpt_to) w.value(a);
      w.end_array().key("reason").string_or_null(archive::unassigned_reason(d)).end_object();
    }
    w.end_array().key("tenants").begin_array();
    for (const auto& t : tenants) w.value(t.str());
    w.end_array().end_object();
    return json(200, w.str());
  }
  std::string options;
  for (const auto& t : tenants) options += "<option>" + h(t.str()) + "</option>";
  std::string body = "<h1>No Tenant queue</h1>";
  if (r.param("done") == "assign" || r.param("done") == "delete") {
    body += "<p class=\"done\" id=\"done\">" +
            h((r.param("done") == "assign" ? "Assigned " + r.param("id") + " to " + r.param("to")
                                           : "Deleted " + r.param("id")) +
              " (audit entry " + r.param("entry") + ").") +
            "</p>";
  }
  body += "<p>" + std::to_string(total) + (total == 1 ? " delivery" : " deliveries") +
          " no tenant claimed, oldest first. Assign one to its tenant or delete it; the reason "
          "goes to the audit log.</p><table id=\"queue\"><thead><tr><th>ID</th><th>Received</th>"
          "<th>Source</th><th>Sender</th><th>Recipients</th><th>Why queued</th><th>Assign</th>"
          "<th>Delete</th></tr></thead><tbody>";
  for (const auto& d : items) {
    std::string id = archive::DeliveryId{archive::TenantId::no_tenant(), d.seq}.str();
    std::string hidden = "<input type=\"hidden\" name=\"csrf\" value=\"" + h(c.csrf) +
                         "\"><input type=\"hidden\" name=\"id\" value=\"" + h(id) + "\">";
    body += "<tr><td>" + h(id) + "</td><td>" + h(util::format_iso8601(d.transport.received)) +
            "</td><td>" + h(d.transport.source) + "</td><td>" + h(sender_of(d)) + "</td><td>" +
            h(joined(archive::queued_recipients(d))) + "</td><td>" +
            h(archive::unassigned_reason(d)) +
            "</td><td><form method=\"post\" action=\"/no-tenant/assign\">" + hidden +
            "<select name=\"tenant\" required>" + options +
            "</select> <input name=\"reason\" required placeholder=\"reason\"> <button "
            "type=\"submit\">Assign</button></form></td><td><form method=\"post\" "
            "action=\"/no-tenant/delete\">" +
            hidden +
            "<input name=\"reason\" required placeholder=\"reason\"> <button "
            "type=\"submit\">Delete</button></form></td></tr>";
  }
  body += "</tbody></table>";
  if (offset + items.size() < total) {
    body += "<p><a href=\"/no-tenant?offset=" + std::to_string(offset + items.size()) +
            "\">newer</a></p>";
  }
  return html(200, page("No Tenant queue", &c.who, c.csrf, body));
}

Response App::triage(const Request& r, const Caller& c, const std::string& action, bool api) {
  if (!access::may_operate(c.who)) return error(404, "No such page.", api);
  auto id = archive::DeliveryId::parse(r.param("id"));
  if (!id || !id->tenant.is_no_tenant()) {
    return error(400, "Name a delivery of the No Tenant queue (_no-tenant:N).", api);
  }
  std::string reason(util::trim(r.param("reason")));
  if (reason.empty()) return error(400, "A reason is required: the audit log keeps it.", api);
  auto queue = existing(id->tenant);
  if (!queue || !queue->get(id->seq)) return error(404, "No such delivery in the queue.", api);
  archive::AuditEntry e;
  e.time = util::now_us();
  e.user = audit_user(c, r);
  e.action = action;
  e.reason = reason;
  if (action == "assign") {
    auto target = archive::TenantId::parse(r.param("tenant"));
    if (!target || target->is_no_tenant() ||
        !config::tenant_known(*config_, config_->archive_root, *target)) {
      return error(400, "Choose a tenant that has an archive or a listener or mailbox.", api);
    }
    e = archive::assign_delivery(*queue, id->seq, *service_.archive(*target), e);
  } else {
    queue->remove(id->seq, e);
  }
  archive::log_triage(e);
  if (api) {
    util::JsonWriter w;
    w.begin_object().key("action").value(e.action).key("delivery").value(e.delivery);
    w.key("moved_to").string_or_null(e.moved_to).key("audit_entry").value(e.seq).end_object();
    return json(200, w.str());
  }
  return redirect("/no-tenant?done=" + action + "&id=" + url_encode(e.delivery) +
                  "&to=" + url_encode(e.moved_to) + "&entry=" + std::to_string(e.seq));
}

}  // namespace postjournal::web
