// The sample file and the effective configuration, both generated from the schema tables.
#include <string_view>

#include "config/config.hpp"
#include "config/retention.hpp"
#include "config/schema.hpp"
#include "config/web_roles.hpp"

namespace postjournal::config {

namespace {

// The text as comment lines of at most 99 columns.
std::string wrap_comment(std::string_view text, const std::string& prefix,
                         const std::string& continuation = "") {
  std::string out;
  std::string line = prefix;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    if (line.size() > prefix.size() && line.size() + 1 + word.size() > 99) {
      out += line + "\n";
      line = continuation.empty() ? prefix : continuation;
    }
    if (line.size() > prefix.size() && line.back() != ' ') line += ' ';
    line += word;
    pos = end + 1;
  }
  return out + line + "\n";
}

template <class T>
std::string describe(const FieldSpec<T>& f, bool with_default) {
  std::string d;
  if (f.required) d += "(required) ";
  if (!f.choices.empty()) {
    d += "One of ";
    for (std::size_t i = 0; i < f.choices.size(); ++i) d += (i ? ", " : "") + f.choices[i];
    d += ". ";
  }
  if (with_default && !f.required && !f.default_text.empty()) {
    std::string def = f.default_text;
    if (f.type == KeyType::kList) {  // items separated by '|': shown as a YAML list
      std::string items;
      std::size_t from = 0;
      for (std::size_t bar; (bar = def.find('|', from)) != std::string::npos; from = bar + 1)
        items += "\"" + def.substr(from, bar - from) + "\", ";
      def = "[" + items + "\"" + def.substr(from) + "\"]";
    }
    d += "Default " + def + ". ";
  }
  return d + f.doc;
}

// Fields of a list entry as comments, nested keys ("auth.method") shown with their dots.
template <class T>
std::string list_doc(const std::string& name, const std::string& intro,
                     const std::vector<FieldSpec<T>>& fields) {
  std::string out = wrap_comment(intro, "# ");
  for (const auto& f : fields)
    out += wrap_comment(f.key + ": " + describe(f, true), "#   ", "#       ");
  return out + name + ": []\n";
}

std::string yaml_scalar(const std::string& v) {
  if (v.empty()) return "\"\"";
  if (v.find_first_of(":#{}[],&*!|>'\"%@`") != std::string::npos || v.front() == ' ' ||
      v.back() == ' ') {
    std::string q = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') q.push_back('\\');
      q.push_back(c);
    }
    return q + "\"";
  }
  return v;
}

// Top-level fields: "section.key" grouped under "section:", plain keys at the top level.
template <class Emit>
void walk_top(Emit emit) {
  std::string section;
  for (const auto& f : top_fields()) {
    auto dot = f.key.find('.');
    std::string s = dot == std::string::npos ? "" : f.key.substr(0, dot);
    std::string k = dot == std::string::npos ? f.key : f.key.substr(dot + 1);
    emit(f, s != section && !s.empty() ? s : std::string(), s.empty() ? "" : "  ", k);
    section = s;
  }
}

template <class T>
std::string render_entry(const T& item, const std::vector<FieldSpec<T>>& fields) {
  std::string out;
  std::string group;
  bool first = true;
  for (const auto& f : fields) {
    auto dot = f.key.find('.');
    std::string g = dot == std::string::npos ? "" : f.key.substr(0, dot);
    std::string k = dot == std::string::npos ? f.key : f.key.substr(dot + 1);
    std::string lead = first ? "  - " : "    ";
    first = false;
    if (!g.empty() && g != group) out += lead + g + ":\n", lead = "    ";
    group = g;
    std::string v = f.get(item);
    out += lead + (g.empty() ? "" : "  ") + k + ": " +
           (f.type == KeyType::kCidrList || f.type == KeyType::kList ? v : yaml_scalar(v)) + "\n";
  }
  return out;
}

}  // namespace

std::string render_sample() {
  std::string out =
      "# postjournal configuration (sample generated from the schema; every key at its "
      "default).\n# Install as /etc/postjournal/postjournal.yaml and edit.\n";
  walk_top([&out](const FieldSpec<Config>& f, const std::string& new_section,
                  const std::string& indent, const std::string& key) {
    if (!new_section.empty()) out += "\n" + new_section + ":\n";
    if (indent.empty()) out += "\n";
    out += wrap_comment(describe(f, false), indent + "# ");
    bool empty_list = f.type == KeyType::kCidrList && f.default_text.empty();
    out += indent + key + ": " + (empty_list ? "[]" : yaml_scalar(f.default_text)) + "\n";
  });
  out += "\n" + list_doc("listeners",
                         "listeners: the mail sources reached by SMTP, a list of mappings with "
                         "these keys (auth.* nested under auth:).",
                         listener_fields());
  out += "\n" + list_doc("mailboxes",
                         "mailboxes: journal mailboxes pulled by postjournal-fetch, a list of "
                         "mappings with these keys.",
                         mailbox_fields());
  out += "\n" + list_doc("microsoft365",
                         "microsoft365: Microsoft 365 organisations whose mailboxes "
                         "postjournal-fetch retrieves through Microsoft Graph, a list of mappings "
                         "with these keys.",
                         microsoft365_fields());
  out += "\n" + sample_retention();
  out += "\n" + sample_web_roles();
  return out;
}

std::string render(const Config& c) {
  std::string out = "# effective configuration from " + c.source + "\n";
  walk_top([&](const FieldSpec<Config>& f, const std::string& new_section,
               const std::string& indent, const std::string& key) {
    if (!new_section.empty()) out += new_section + ":\n";
    out += indent + key + ": " + yaml_scalar(f.get(c)) + "\n";
  });
  out += c.listeners.empty() ? "listeners: []\n" : "listeners:\n";
  for (const auto& l : c.listeners) out += render_entry(l, listener_fields());
  out += c.mailboxes.empty() ? "mailboxes: []\n" : "mailboxes:\n";
  for (const auto& m : c.mailboxes) {
    Mailbox shown = m;
    if (!shown.password.empty()) shown.password = "(hidden)";
    out += render_entry(shown, mailbox_fields());
  }
  out += c.microsoft365.empty() ? "microsoft365: []\n" : "microsoft365:\n";
  for (const auto& m : c.microsoft365) out += render_entry(m, microsoft365_fields());
  return out + render_retention(c.retention) + render_web_roles(c.web_roles);
}

}  // namespace postjournal::config
