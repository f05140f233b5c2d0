// GET /search, GET /api/search, POST /export.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "app.hpp"
#include "archive/mbox.hpp"
#include "archive/registry.hpp"
#include "index/index.hpp"
#include "index/query.hpp"
#include "pages.hpp"
#include "util/json_writer.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"
#include "util/zip_writer.hpp"
#include "view/render.hpp"

namespace postjournal::web {

namespace {

// The query text of the search form: q plus the from/to/after/before/attachment fields.
std::string form_query(const Request& r) {
  std::vector<std::string> parts;
  std::string q(util::trim(r.param("q")));
  if (!q.empty() && q != "*") parts.push_back("(" + q + ")");
  if (std::string v(util::trim(r.param("from"))); !v.empty())
    parts.push_back("from:" + index::quote_value(v));
  if (std::string v(util::trim(r.param("to"))); !v.empty())
    parts.push_back("rcpt:" + index::quote_value(v));
  if (std::string v(util::trim(r.param("after"))); !v.empty()) parts.push_back("after:" + v);
  if (std::string v(util::trim(r.param("before"))); !v.empty()) parts.push_back("before:" + v);
  if (!r.param("attachment").empty()) parts.push_back("has:attachment");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " AND ") + p;
  return out.empty() ? "*" : out;
}

std::string with_filter(const std::string& q, const std::string& filter) {
  if (filter.empty()) return q;
  if (q == "*") return "(" + filter + ")";
  return "(" + q + ") AND (" + filter + ")";
}

std::uint64_t number(const std::string& text, std::uint64_t fallback, std::uint64_t max) {
  unsigned long long n = 0;
  if (text.empty() || !util::parse_u64(text, n)) return fallback;
  return std::min<std::uint64_t>(n, max);
}

struct Hit {
  double key;
  std::size_t tenant;  // index into Searched
  std::uint64_t seq;
};

}  // namespace

struct Searched {
  archive::TenantId tenant;
  std::shared_ptr<archive::TenantArchive> archive;
  std::uint64_t total = 0;
  bool no_index = false;
  std::uint64_t not_covered = 0;  // deliveries beyond the index watermark
};

// Every tenant with an archive whose mail he may search (the No Tenant queue is triage's).
static std::vector<archive::TenantId> readable_tenants(const App::Caller& c,
                                                       const std::string& root) {
  std::vector<archive::TenantId> out;
  for (const auto& id : archive::list_tenants(root)) {
    if (!id.is_no_tenant() && access::may_read_tenant(c.who, id)) out.push_back(id);
  }
  return out;
}

// The tenants a request searches, out of `readable`: the one named (nullopt - answered 404 -
// when it is not among them, whether it exists or not) or all of them.
static std::optional<std::vector<archive::TenantId>> search_tenants(
    const Request& r, const std::vector<archive::TenantId>& readable) {
  std::string t = r.param("tenant");
  if (t.empty()) return readable;
  for (const auto& id : readable) {
    if (id.str() == t) return std::vector<archive::TenantId>{id};
  }
  return std::nullopt;
}

Response App::search(const Request& r, const Caller& c, bool api) {
  auto readable = readable_tenants(c, config_->archive_root);
  auto tenants = search_tenants(r, readable);
  if (!tenants) return error(404, "No such tenant.", api);
  std::string user_query = api ? (r.param("q").empty() ? "*" : r.param("q")) : form_query(r);
  bool asked = api || !r.query.empty();
  std::uint64_t limit = number(r.param("limit"), 50, 1000);
  if (limit == 0) limit = 50;
  std::uint64_t offset = number(r.param("offset"), 0, 10000000);
  index::Sort sort = r.param("sort") == "relevance" ? index::Sort::kRelevance : index::Sort::kDate;
  std::string filter = access::search_filter(c.who);
  std::string q = with_filter(user_query, filter);

  std::vector<Searched> searched;
  std::vector<Hit> hits;
  std::uint64_t total = 0;
  std::string query_error;
  if (asked) {
    for (const auto& t : *tenants) {
      Searched s{t, existing(t)};
      if (!s.archive) continue;
      try {
        index::Searcher idx(index::index_dir(config_->archive_root, t), s.archive.get());
        index::Hits h = idx.search(q, 0, offset + limit, sort);
        s.total = h.total;
        s.not_covered = s.archive->count_after(idx.watermark());
        for (std::size_t i = 0; i < h.seqs.size(); ++i)
          hits.push_back({h.keys[i], searched.size(), h.seqs[i]});
      } catch (const index::IndexMissing&) {
        s.no_index = true;
        s.not_covered = s.archive->count();
      } catch (const index::QueryError& e) {
        query_error = e.what();
        break;
      }
      total += s.total;
      searched.push_back(std::move(s));
    }
  }
  if (!query_error.empty()) {
    if (api) return error(400, query_error, true);
    searched.clear();
    hits.clear();
    total = 0;
  }
  // Audit before anything is shown: one entry per tenant searched, committed together.
  std::vector<AccessLog::Item> entries;
  for (const auto& s : searched) {
    archive::AuditEntry e;
    e.user = audit_user(c, r);
    e.action = "web-search";
    e.reason = user_query;
    e.detail = "results=" + std::to_string(s.total) + " offset=" + std::to_string(offset);
    entries.push_back({s.archive, std::move(e)});
  }
  log_.record(std::move(entries));
  std::stable_sort(hits.begin(), hits.end(),
                   [](const Hit& x, const Hit& y) { return x.key > y.key; });
  std::vector<view::Listed> page_rows;
  for (std::size_t i = static_cast<std::size_t>(offset);
       i < hits.size() && page_rows.size() < limit; ++i) {
    auto& s = searched[hits[i].tenant];
    if (auto d = s.archive->get(hits[i].seq)) page_rows.push_back({s.tenant, std::move(*d)});
  }
  if (api) {
    util::JsonWriter w;
    w.begin_object().key("total").value(total).key("offset").value(offset).key("limit").value(
        limit);
    w.key("results").begin_array();
    for (const auto& l : page_rows) {
      w.begin_object();
      view::summary_json(w, l);
      w.end_object();
    }
    w.end_array().key("not_indexed").begin_array();
    for (const auto& s : searched) {
      if (s.not_covered == 0) continue;
      w.begin_object().key("tenant").value(s.tenant.str()).key("deliveries").value(s.not_covered);
      w.end_object();
    }
    w.end_array().end_object();
    return json(200, w.str());
  }

  auto field = [&](const char* name, const char* label, const char* type = "text") {
    return std::string("<label>") + label + " <input type=\"" + type + "\" name=\"" + name +
           "\" value=\"" + h(r.param(name)) + "\"></label>";
  };
  std::string body = "<h1>Search</h1><form class=\"search\" method=\"get\" action=\"/search\">";
  body += "<label class=\"wide\">Query <input type=\"text\" name=\"q\" value=\"" + h(r.param("q")) +
          "\" placeholder=\"words, &quot;a phrase&quot;, from:, to:, bcc:, att:, date:, "
          "has:attachment\"></label>";
  body += field("from", "From") + field("to", "To (any recipient, BCC included)") +
          field("after", "On or after", "date") + field("before", "Before", "date");
  body += "<label>Tenant <select name=\"tenant\"><option value=\"\">all I may read</option>";
  for (const auto& t : readable) {
    body += "<option" + std::string(r.param("tenant") == t.str() ? " selected" : "") + ">" +
            h(t.str()) + "</option>";
  }
  body +=
      "</select></label><label>Sort <select name=\"sort\"><option value=\"date\">newest "
      "first</option><option value=\"relevance\"" +
      std::string(sort == index::Sort::kRelevance ? " selected" : "") +
      ">best match</option></select></label>";
  body += "<label><input type=\"checkbox\" name=\"attachment\" value=\"1\"" +
          std::string(r.param("attachment").empty() ? "" : " checked") +
          "> with attachments</label><button type=\"submit\">Search</button></form>";
  if (!query_error.empty()) body += "<p class=\"error\">" + h(query_error) + "</p>";
  if (asked && query_error.empty()) {
    body += "<p id=\"total\">" + std::to_string(total) +
            (total == 1 ? " matching delivery" : " matching deliveries");
    if (!page_rows.empty()) {
      body += " (showing " + std::to_string(offset + 1) + "-" +
              std::to_string(offset + page_rows.size()) + ")";
    }
    body += "</p>";
    for (const auto& s : searched) {
      if (s.not_covered == 0) continue;
      body += "<p class=\"note\">" + h(s.tenant.str()) + ": " + std::to_string(s.not_covered) +
              " deliveries are not in the full-text index yet and were not searched.</p>";
    }
    body +=
        "<table id=\"results\"><thead><tr><th>Received</th><th>From</th><th>Subject</th>"
        "<th>Size</th><th>Id</th></tr></thead><tbody>";
    for (const auto& l : page_rows) {
      std::string id = archive::DeliveryId{l.tenant, l.delivery.seq}.str();
      const auto& d = l.delivery;
      std::string sender = d.envelope.sender.empty() ? d.transport.mail_from : d.envelope.sender;
      body += "<tr><td>" + h(util::format_iso8601(d.transport.received)) + "</td><td>" + h(sender) +
              "</td><td><a href=\"/messages/" + h(url_encode(id)) + "\">" +
              h(d.envelope.subject.empty() ? "(no subject)" : d.envelope.subject) +
              "</a></td><td>" + std::to_string(d.size) + "</td><td>" + h(id) + "</td></tr>";
    }
    body += "</tbody></table>";
    std::string base = "/search?";
    for (const char* k : {"q", "from", "to", "after", "before", "attachment", "tenant", "sort"}) {
      if (!r.param(k).empty()) base += std::string(k) + "=" + url_encode(r.param(k)) + "&";
    }
    body += "<p>";
    if (offset > 0) {
      body += "<a href=\"" +
              h(base + "offset=" + std::to_string(offset > limit ? offset - limit : 0)) +
              "\">previous</a> ";
    }
    if (offset + page_rows.size() < total) {
      body += "<a href=\"" + h(base + "offset=" + std::to_string(offset + limit)) + "\">next</a>";
    }
    body += "</p>";
    if (total > 0) {
      body +=
          "<form method=\"post\" action=\"/export\"><input type=\"hidden\" name=\"csrf\" "
          "value=\"" +
          h(c.csrf) + "\">";
      for (const char* k : {"q", "from", "to", "after", "before", "attachment", "tenant"}) {
        body += "<input type=\"hidden\" name=\"" + std::string(k) + "\" value=\"" + h(r.param(k)) +
                "\">";
      }
      body += "<label>Export all " + std::to_string(total) +
              " as <select name=\"format\"><option value=\"zip\">zip of .eml files with a "
              "SHA-256 manifest</option><option value=\"mbox\">mbox</option></select></label> "
              "<button type=\"submit\">Export</button></form>";
    }
  }
  return html(200, page("Search", &c.who, c.csrf, body));
}

Response App::export_results(const Request& r, const Caller& c) {
  auto tenants = search_tenants(r, readable_tenants(c, config_->archive_root));
  if (!tenants) return error(404, "No such tenant.", false);
  std::string format = r.param("format").empty() ? "zip" : r.param("format");
  if (format != "zip" && format != "mbox") return error(400, "format is zip or mbox.", false);
  std::string user_query = form_query(r);
  std::string q = with_filter(user_query, access::search_filter(c.who));
  struct Part {
    archive::TenantId tenant;
    std::shared_ptr<archive::TenantArchive> archive;
    std::vector<std::uint64_t> seqs;
  };
  std::vector<Part> parts;
  std::uint64_t count = 0;
  for (const auto& t : *tenants) {
    Part p{t, existing(t), {}};
    if (!p.archive) continue;
    try {
      index::Searcher idx(index::index_dir(config_->archive_root, t), p.archive.get());
      count += idx.count(q);
      if (count > config_->web_export_limit) {
        return error(413,
                     "The result set has more than " + std::to_string(config_->web_export_limit) +
                         " deliveries (web.export_limit); narrow the search or use postjournal "
                         "export --query.",
                     false);
      }
      idx.for_each(q, [&](std::uint64_t seq) { p.seqs.push_back(seq); });
    } catch (const index::IndexMissing&) {
      continue;
    } catch (const index::QueryError& e) {
      return error(400, e.what(), false);
    }
    parts.push_back(std::move(p));
  }
  // Written to a private temporary directory, served from the open file, then gone.
  std::string tmpl = (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : "/tmp") +
                     "/postjournal-web-export.XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot make a temporary directory");
  std::string path = tmpl + "/export." + format;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{tmpl};
  std::uint64_t written = 0;
  auto read_all = [](const archive::TenantArchive& a, const archive::Delivery& d,
                     const std::function<void(std::string_view)>& sink) {
    if (!a.read(d.content_sha256, 0, d.size, sink))
      throw std::runtime_error("content of " + archive::DeliveryId{a.tenant(), d.seq}.str() +
                               " is missing; run postjournal verify");
  };
  if (format == "zip") {
    util::ZipWriter zip(path, 0600);
    std::string sums, manifest = "id\tfile\tsha256\tsize\treceived\n";
    for (const auto& p : parts) {
      for (auto seq : p.seqs) {
        auto d = p.archive->get(seq);
        if (!d || !access::may_read(c.who, p.tenant, *d)) continue;
        std::string id = archive::DeliveryId{p.tenant, seq}.str();
        std::string name = p.tenant.str() + "-" + std::to_string(seq) + ".eml";
        util::Sha256 sha;
        zip.begin(name);
        read_all(*p.archive, *d, [&](std::string_view b) {
          zip.write(b);
          sha.update(b);
        });
        zip.end();
        std::string hex = util::to_hex(sha.finish());
        if (hex != util::to_hex(d->content_sha256))
          throw std::runtime_error(id + ": stored bytes do not match their SHA-256");
        sums += hex + "  " + name + "\n";
        manifest += id + "\t" + name + "\t" + hex + "\t" + std::to_string(d->size) + "\t" +
                    util::format_iso8601(d->transport.received) + "\n";
        ++written;
      }
    }
    zip.add("SHA256SUMS", sums);
    zip.add("MANIFEST.tsv", manifest);
    zip.commit();
  } else {
    util::AtomicFile f(path, 0600);
    archive::MboxWriter w([&f](std::string_view b) { f.write(b); });
    for (const auto& p : parts) {
      for (auto seq : p.seqs) {
        auto d = p.archive->get(seq);
        if (!d || !access::may_read(c.who, p.tenant, *d)) continue;
        w.begin(d->envelope.sender.empty() ? d->transport.mail_from : d->envelope.sender,
                d->transport.received);
        read_all(*p.archive, *d, [&w](std::string_view b) { w.write(b); });
        w.end();
        ++written;
      }
    }
    w.flush();
    f.commit();
  }
  auto fd = std::make_shared<util::UniqueFd>(util::open_read(path));
  std::uint64_t size = util::file_size(fd->get(), path);
  std::vector<AccessLog::Item> entries;
  for (const auto& p : parts) {
    archive::AuditEntry e;
    e.user = audit_user(c, r);
    e.action = "web-export";
    e.reason = user_query;
    e.detail = "format=" + format + " deliveries=" + std::to_string(p.seqs.size());
    entries.push_back({p.archive, std::move(e)});
  }
  log_.record(std::move(entries));
  Response out;
  out.file = fd;
  out.size = size;
  out.header("Content-Type", format == "zip" ? "application/zip" : "application/mbox");
  out.header("Content-Disposition", "attachment; filename=\"postjournal-export." + format + "\"");
  out.header("X-Postjournal-Deliveries", std::to_string(written));
  return out;
}

}  // namespace postjournal::web
