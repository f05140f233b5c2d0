// postjournal resolve: which listener and tenant a hypothetical transaction belongs to, and why.
#include <iostream>

#include "commands.hpp"
#include "render.hpp"
#include "tenant/resolver.hpp"
#include "util/json_writer.hpp"
#include "util/strings.hpp"

namespace postjournal::cli {

namespace {

void checks_json(util::JsonWriter& w, const std::vector<tenant::ListenerCheck>& checks) {
  w.begin_array();
  for (const auto& c : checks) {
    w.begin_object().key("listener").value(c.listener).key("matched").value(c.matched);
    w.key("why").value(c.why).end_object();
  }
  w.end_array();
}

std::string checks_text(const std::vector<tenant::ListenerCheck>& checks) {
  std::string out;
  for (const auto& c : checks) {
    out += "    " + std::string(c.matched ? "match    " : "no match ") + c.listener + ": " +
           printable(c.why) + "\n";
  }
  return out;
}

}  // namespace

int run_resolve(const Context& ctx, const Args& args) {
  auto ip = args.value("ip");
  auto from = args.value("from");
  auto rcpts = args.values("rcpt");
  if (!ip || !from || rcpts.empty()) throw UsageError("resolve needs --ip, --from and --rcpt");
  if (!util::IpAddress::parse(*ip)) throw UsageError("--ip: '" + *ip + "' is not an IP address");
  tenant::HeaderList headers;
  for (const auto& h : args.values("header")) {
    auto colon = h.find(':');
    if (colon == std::string::npos) throw UsageError("--header needs 'Name: value'");
    headers.emplace_back(h.substr(0, colon), std::string(util::trim(h.substr(colon + 1))));
  }
  auto cfg = std::make_shared<const config::Config>(ctx.config);
  tenant::Resolver resolver(cfg, tenant::SpfChecker::resolver());
  std::string from_addr = *from == "<>" ? std::string() : *from;
  tenant::Transaction t = resolver.begin(
      {*ip, args.value("helo").value_or(""), args.value("sasl").value_or(""), from_addr});
  std::vector<std::pair<std::string, tenant::Decision>> per_rcpt;
  for (const auto& r : rcpts) per_rcpt.emplace_back(r, t.rcpt(r));
  tenant::Decision final = t.finish(headers);
  std::string spf = t.spf() ? std::string(tenant::to_string(*t.spf())) : std::string();

  if (args.has("json")) {
    util::JsonWriter w;
    w.begin_object();
    w.key("decision").value(tenant::to_string(final.verdict));
    w.key("listener").string_or_null(final.listener);
    w.key("tenant").string_or_null(final.tenant);
    w.key("reason").value(final.reason);
    w.key("spf").string_or_null(spf);
    w.key("connector_validation").value(final.connector_validation);
    w.key("per_rcpt").begin_array();
    for (const auto& [r, d] : per_rcpt) {
      w.begin_object().key("rcpt").value(r).key("decision").value(tenant::to_string(d.verdict));
      w.key("listener").string_or_null(d.listener).key("tenant").string_or_null(d.tenant);
      w.key("reason").value(d.reason).key("checks");
      checks_json(w, d.checks);
      w.end_object();
    }
    w.end_array();
    w.key("checks");
    checks_json(w, final.checks);
    w.end_object();
    std::cout << w.str();
    return kExitOk;
  }
  std::string out = "decision: " + std::string(tenant::to_string(final.verdict));
  if (!final.tenant.empty()) out += " tenant=" + final.tenant + " listener=" + final.listener;
  out += "\nreason:   " + printable(final.reason) +
         "\nspf:      " + (spf.empty() ? "not evaluated" : spf) + "\n";
  for (const auto& [r, d] : per_rcpt) {
    out += "rcpt " + printable(r) + ": " + std::string(tenant::to_string(d.verdict)) +
           (d.tenant.empty() ? "" : " tenant=" + d.tenant) + " (" + printable(d.reason) + ")\n";
    out += checks_text(d.checks);
  }
  if (final.checks.size() > per_rcpt.front().second.checks.size()) {
    out += "end of message:\n" + checks_text({final.checks.back()});
  }
  std::cout << out;
  return kExitOk;
}

}  // namespace postjournal::cli
