#include "pages.hpp"

namespace postjournal::web {

std::string page(std::string_view title, const access::Identity* who, std::string_view csrf,
                 std::string_view body) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" +
      h(title) +
      " - postjournal</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head><body>"
      "<header><span class=\"brand\">postjournal</span>";
  if (who) {
    out += "<nav><a href=\"/search\">Search</a>";
    if (access::may_operate(*who)) {
      out += " <a href=\"/status\">Status</a> <a href=\"/no-tenant\">No Tenant</a>";
    }
    if (who->role != config::Role::kUser) {
      out += " <a href=\"/audit\">Audit log</a> <a href=\"/retention\">Retention</a>";
    }
    out += "</nav><form class=\"logout\" method=\"post\" action=\"/logout\"><span>" + h(who->name) +
           " (" + h(config::to_string(who->role)) + ")</span>" +
           "<input type=\"hidden\" name=\"csrf\" value=\"" + h(csrf) +
           "\"><button type=\"submit\">Log out</button></form>";
  }
  out += "</header><main>\n" + std::string(body) + "\n</main></body></html>\n";
  return out;
}

std::string error_page(unsigned status, std::string_view message) {
  std::string title = status == 404   ? "Not found"
                      : status == 403 ? "Forbidden"
                      : status == 400 ? "Bad request"
                      : status == 413 ? "Too large"
                      : status == 429 ? "Too many attempts"
                      : status == 503 ? "Unavailable"
                                      : "Error";
  return page(title, nullptr, "",
              "<h1>" + h(title) + "</h1><p>" + h(message) +
                  "</p><p><a href=\"/search\">Back to "
                  "the search</a></p>");
}

std::string_view style_sheet() {
  return R"css(body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{display:flex;gap:1.5em;align-items:center;padding:.6em 1em;background:#23374d;color:#fff}
header a{color:#fff;margin-right:1em}.brand{font-weight:700}
.logout{margin-left:auto;display:flex;gap:.6em;align-items:center}
main{padding:1em 1.5em;max-width:80em}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
form.search{display:grid;grid-template-columns:repeat(4,minmax(8em,1fr));gap:.4em;margin-bottom:1em}
form.search .wide{grid-column:1/-1}
input[type=text],input[type=password],input[type=date],select{padding:.3em;width:100%;box-sizing:border-box}
pre{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:.6em;overflow-x:auto}
iframe{width:100%;height:30em;border:1px solid #ddd;background:#fff}
.note{color:#555}.error{color:#a00}
)css";
}

}  // namespace postjournal::web
