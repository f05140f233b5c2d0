#include "config/retention.hpp"

#include <set>

#include "archive/tenant_id.hpp"
#include "config/schema.hpp"
#include "util/strings.hpp"

namespace postjournal::config {

std::string Period::text() const {
  if (forever) return "forever";
  return std::to_string(count) + unit;
}

std::uint64_t Period::approx_days() const {
  if (forever) return UINT64_MAX;
  std::uint64_t per = unit == 'y' ? 365 : unit == 'm' ? 30 : 1;
  return std::uint64_t{count} * per;
}

std::optional<Period> parse_period(const std::string& text) {
  if (text == "forever") return Period{true, 0, 'd'};
  if (text.size() < 2) return std::nullopt;
  char unit = text.back();
  if (unit != 'd' && unit != 'm' && unit != 'y') return std::nullopt;
  unsigned long long n = 0;
  if (!util::parse_u64(std::string_view(text).substr(0, text.size() - 1), n) || n > 10000) {
    return std::nullopt;
  }
  return Period{false, static_cast<std::uint32_t>(n), unit};
}

const RetentionPolicy* RetentionConfig::policy_for(const std::string& tenant) const {
  if (tenant == "_no-tenant") return nullptr;  // emptied by triage, never by retention
  for (const auto& p : policies) {
    if (p.tenant == tenant) return &p;
  }
  return default_policy ? &*default_policy : nullptr;
}

namespace {

std::string scalar(const YAML::Node& n, const std::string& file, const std::string& key) {
  if (!n.IsScalar()) fail(file, n.Mark(), key + " must be a single value");
  return n.Scalar();
}

std::optional<Period> period(const YAML::Node& n, const std::string& file, const std::string& key) {
  std::string text = scalar(n, file, key);
  auto p = parse_period(text);
  if (!p) {
    fail(file, n.Mark(),
         key + ": '" + text +
             "' is not a period (a number and d, m or y: 30d, 6m, 10y; or forever)");
  }
  return p;
}

void check_order(const std::optional<Period>& keep, const std::optional<Period>& minimum,
                 const YAML::Mark& mark, const std::string& file, const std::string& what) {
  if (keep && minimum && minimum->approx_days() > keep->approx_days()) {
    fail(file, mark,
         what + ": minimum " + minimum->text() + " is longer than keep " + keep->text() +
             " (mail cannot be purged before it may be removed)");
  }
}

RetentionMatch load_match(const YAML::Node& n, const std::string& file) {
  if (!n.IsMap())
    fail(file, n.Mark(), "match must be a mapping (source, sender, recipient, query)");
  RetentionMatch m;
  for (const auto& kv : n) {
    std::string k = kv.first.Scalar();
    std::string v = scalar(kv.second, file, "match." + k);
    if (v.empty()) fail(file, kv.second.Mark(), "match." + k + " must not be empty");
    if (k == "source") {
      m.source = v;
    } else if (k == "sender") {
      m.sender = v;
    } else if (k == "recipient") {
      m.recipient = v;
    } else if (k == "query") {
      m.query = v;
    } else {
      fail(file, kv.first.Mark(),
           "unknown key 'match." + k + "' (source, sender, recipient or query)");
    }
  }
  if (m.source.empty() && m.sender.empty() && m.recipient.empty() && m.query.empty()) {
    fail(file, n.Mark(), "match needs at least one of source, sender, recipient, query");
  }
  return m;
}

RetentionRule load_rule(const YAML::Node& n, const std::string& file) {
  if (!n.IsMap()) fail(file, n.Mark(), "each rule must be a mapping");
  RetentionRule r;
  r.line = n.Mark().line + 1;
  bool has_match = false;
  for (const auto& kv : n) {
    std::string k = kv.first.Scalar();
    if (k == "name") {
      r.name = scalar(kv.second, file, "rule name");
    } else if (k == "match") {
      r.match = load_match(kv.second, file);
      has_match = true;
    } else if (k == "keep") {
      r.keep = period(kv.second, file, "keep");
    } else if (k == "minimum") {
      r.minimum = period(kv.second, file, "minimum");
    } else {
      fail(file, kv.first.Mark(), "unknown key '" + k + "' in a rule (name, match, keep, minimum)");
    }
  }
  if (r.name.empty()) fail(file, n.Mark(), "a rule has no name");
  if (!has_match) fail(file, n.Mark(), "rule '" + r.name + "' has no match");
  if (r.name.find_first_of(" \t\n") != std::string::npos) {
    fail(file, n.Mark(), "rule name '" + r.name + "' must not contain blanks");
  }
  return r;
}

RetentionPolicy load_policy(const YAML::Node& n, const std::string& file, bool is_default) {
  if (!n.IsMap()) fail(file, n.Mark(), "a retention policy must be a mapping");
  RetentionPolicy p;
  p.line = n.Mark().line + 1;
  bool has_tenant = false;
  for (const auto& kv : n) {
    std::string k = kv.first.Scalar();
    if (k == "tenant" && !is_default) {
      p.tenant = scalar(kv.second, file, "tenant");
      auto t = archive::TenantId::parse(p.tenant);
      if (!t || t->is_no_tenant()) {
        fail(file, kv.second.Mark(),
             "tenant '" + p.tenant + "' is not a tenant id (the No Tenant queue has no retention)");
      }
      has_tenant = true;
    } else if (k == "keep") {
      p.keep = period(kv.second, file, "keep");
    } else if (k == "minimum") {
      p.minimum = period(kv.second, file, "minimum");
    } else if (k == "rules") {
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsSequence()) fail(file, kv.second.Mark(), "rules must be a list");
      std::set<std::string> names;
      for (const auto& item : kv.second) {
        p.rules.push_back(load_rule(item, file));
        if (!names.insert(p.rules.back().name).second) {
          fail(file, item.Mark(), "rule name '" + p.rules.back().name + "' given twice");
        }
      }
    } else {
      fail(file, kv.first.Mark(),
           "unknown key '" + k + "' in a retention policy (" +
               (is_default ? "keep, minimum, rules" : "tenant, keep, minimum, rules") + ")");
    }
  }
  if (!is_default && !has_tenant) fail(file, n.Mark(), "a retention policy has no tenant");
  std::string what = is_default ? "retention.default" : "policy of " + p.tenant;
  check_order(p.keep, p.minimum, n.Mark(), file, what);
  for (const auto& r : p.rules) {
    auto keep = r.keep ? r.keep : p.keep;
    auto minimum = r.minimum ? r.minimum : p.minimum;
    if (keep && minimum && minimum->approx_days() > keep->approx_days()) {
      throw ConfigError(file + ":" + std::to_string(r.line) + ": rule '" + r.name + "': minimum " +
                        minimum->text() + " is longer than keep " + keep->text());
    }
  }
  return p;
}

std::uint64_t number(const YAML::Node& n, const std::string& file, const std::string& key,
                     std::uint64_t min, std::uint64_t max, KeyType type) {
  Value v;
  std::string err = parse_scalar(type, key, scalar(n, file, key), min, max, {}, v);
  if (!err.empty()) fail(file, n.Mark(), err);
  return v.number;
}

std::string period_or(const std::optional<Period>& p, const char* absent) {
  return p ? p->text() : absent;
}

std::string render_policy(const RetentionPolicy& p, const std::string& indent) {
  std::string out;
  out += indent + "keep: " + period_or(p.keep, "forever") + "\n";
  out += indent + "minimum: " + period_or(p.minimum, "0d") + "\n";
  if (p.rules.empty()) return out + indent + "rules: []\n";
  out += indent + "rules:\n";
  for (const auto& r : p.rules) {
    out += indent + "  - name: " + r.name + "\n";
    out += indent + "    match:\n";
    auto field = [&](const char* k, const std::string& v) {
      if (v.empty()) return;
      std::string q = "\"";
      for (char c : v) {
        if (c == '"' || c == '\\') q.push_back('\\');
        q.push_back(c);
      }
      out += indent + "      " + k + ": " + q + "\"\n";
    };
    field("source", r.match.source);
    field("sender", r.match.sender);
    field("recipient", r.match.recipient);
    field("query", r.match.query);
    if (r.keep) out += indent + "    keep: " + r.keep->text() + "\n";
    if (r.minimum) out += indent + "    minimum: " + r.minimum->text() + "\n";
  }
  return out;
}

}  // namespace

RetentionConfig load_retention(const YAML::Node& section, const std::string& file) {
  RetentionConfig r;
  if (section.IsNull()) return r;
  if (!section.IsMap()) fail(file, section.Mark(), "section 'retention' must be a mapping");
  std::set<std::string> tenants;
  for (const auto& kv : section) {
    std::string k = kv.first.Scalar();
    if (k == "default") {
      if (kv.second.IsNull()) continue;
      r.default_policy = load_policy(kv.second, file, true);
    } else if (k == "policies") {
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsSequence())
        fail(file, kv.second.Mark(), "retention.policies must be a list");
      for (const auto& item : kv.second) {
        r.policies.push_back(load_policy(item, file, false));
        if (!tenants.insert(r.policies.back().tenant).second) {
          fail(file, item.Mark(),
               "tenant '" + r.policies.back().tenant + "' has a second retention policy");
        }
      }
    } else if (k == "purge_interval") {
      r.purge_interval =
          number(kv.second, file, "retention.purge_interval", 60, 604800, KeyType::kSeconds);
    } else if (k == "purge_batch") {
      r.purge_batch = number(kv.second, file, "retention.purge_batch", 1, 100000, KeyType::kCount);
    } else {
      fail(file, kv.first.Mark(),
           "unknown key 'retention." + k + "' (default, policies, purge_interval, purge_batch)");
    }
  }
  return r;
}

std::string render_retention(const RetentionConfig& r) {
  std::string out = "retention:\n";
  out += "  purge_interval: " + std::to_string(r.purge_interval) + "\n";
  out += "  purge_batch: " + std::to_string(r.purge_batch) + "\n";
  if (r.default_policy) {
    out += "  default:\n" + render_policy(*r.default_policy, "    ");
  } else {
    out += "  default: null\n";
  }
  if (r.policies.empty()) return out + "  policies: []\n";
  out += "  policies:\n";
  for (const auto& p : r.policies) {
    out += "    - tenant: " + p.tenant + "\n" + render_policy(p, "      ");
  }
  return out;
}

std::string sample_retention() {
  return "# retention: how long each tenant's mail is kept (README, Retention and legal hold).\n"
         "# Absent or empty: everything is kept forever. A period is a number and d, m or y\n"
         "# (30d, 6m, 10y) or forever; m and y move the calendar date. keep: purged after it;\n"
         "# minimum: cannot be removed before it by anyone. Rules are matched when a delivery is\n"
         "# fixed (as the indexer reaches it); of the rules that match, the one that keeps the\n"
         "# mail longest wins (then the longest minimum, then the first); its keep and minimum\n"
         "# replace the policy's, values it does not set are the policy's. A match takes source,\n"
         "# sender, recipient (globs; a pattern without @ matches the domain) and query (search\n"
         "# syntax); all given must match. purge_interval: seconds between the milter's purge\n"
         "# runs (60..604800, default 3600); purge_batch: deliveries per transaction (default\n"
         "# 256).\n"
         "#\n"
         "# retention:\n"
         "#   default: {keep: 10y}\n"
         "#   policies:\n"
         "#     - tenant: acme\n"
         "#       keep: 6y\n"
         "#       minimum: 6y\n"
         "#       rules:\n"
         "#         - {name: legal, match: {recipient: \"*@legal.acme.example\"}, keep: 10y}\n"
         "#         - {name: newsletters, match: {sender: \"*@news.example\"}, keep: 1y, minimum: "
         "0d}\n"
         "retention: {}\n";
}

}  // namespace postjournal::config
