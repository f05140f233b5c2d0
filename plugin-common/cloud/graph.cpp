#include "cloud/graph.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <random>
#include <thread>

#include "http/client.hpp"
#include "util/strings.hpp"

namespace postjournal::cloud {

namespace {

using Json = nlohmann::json;

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string text(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Graph's error document: {"error": {"code": ..., "message": ...}}.
std::pair<std::string, std::string> error_of(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    return {text(j["error"], "code"), text(j["error"], "message")};
  }
  return {"", ""};
}

Json parse_object(const std::string& body, const std::string& url) {
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_object()) throw GraphError(url + ": the answer is not a JSON object", 200, "");
  return j;
}

}  // namespace

std::string url_segment(std::string_view s) {
  return util::percent_encode(s, "=@");
}

Graph::Graph(GraphOptions o) : o_(std::move(o)), host_(host_of(o_.graph_url)) {
  if (o_.in_flight == 0) o_.in_flight = 1;
}

GraphStats Graph::stats() const {
  std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(mu_));
  return stats_;
}

bool Graph::wait(std::chrono::milliseconds d) {
  auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
    if (o_.stop != nullptr && o_.stop->load()) return false;
    auto left = end - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
  }
  return o_.stop == nullptr || !o_.stop->load();
}

void Graph::check_link(const std::string& link) const {
  if (link.rfind(o_.graph_url + "/", 0) != 0) {
    throw GraphError("Graph answered with a link outside " + o_.graph_url + ": " + link, 200,
                     "foreignLink");
  }
}

Graph::Answer Graph::get(const std::string& url, const std::function<void()>* reset,
                         const std::function<bool(std::string_view)>* write) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return busy_ < o_.in_flight; });
    ++busy_;
  }
  struct Release {
    Graph* g;
    ~Release() {
      std::lock_guard<std::mutex> lock(g->mu_);
      --g->busy_;
      g->cv_.notify_one();
    }
  } release{this};
  static thread_local std::mt19937 rng{std::random_device{}()};
  bool refreshed = false;
  std::string last;
  for (int attempt = 1;; ++attempt) {
    http::Request r;
    r.url = url;
    r.method = "GET";
    r.ca_file = o_.ca_file;
    r.timeout =
        write != nullptr ? std::chrono::hours(2) : std::chrono::milliseconds(o_.request_timeout);
    if (write != nullptr) {
      r.low_speed_time = o_.body_stall;
      r.sink = *write;
      (*reset)();
    }
    r.max_response = 64 << 20;
    r.headers = {"Authorization: Bearer " + o_.tokens->get(), "Prefer: IdType=\"ImmutableId\"",
                 "Prefer: odata.maxpagesize=100", "Accept: application/json"};
    long retry_after = -1;
    long status = 0;
    http::Response resp;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.requests;
    }
    try {
      resp = http::perform(r);
      status = resp.status;
      retry_after = resp.retry_after;
    } catch (const http::SinkRefused& e) {
      throw GraphError(e.what(), 0, "sinkRefused");  // the caller's limit: no retry
    } catch (const http::Error& e) {
      last = e.what();  // reset, deadline, refused connection: retried
    }
    if (status >= 200 && status < 300) return {status, std::move(resp.body)};
    auto [code, message] =
        status != 0 ? error_of(resp.body) : std::pair<std::string, std::string>{};
    if (status != 0) {
      last = url + " answered " + std::to_string(status) + (code.empty() ? "" : " " + code) +
             (message.empty() ? "" : ": " + message);
    }
    if (status == 401 && !refreshed) {
      refreshed = true;
      o_.tokens->invalidate();
      continue;
    }
    bool throttled = status == 429 || status == 503;
    bool transient = throttled || status == 0 || status == 500 || status == 502 || status == 504;
    if (!transient) throw GraphError(last, status, code);
    if (attempt >= o_.max_attempts) {
      throw GraphError(last + " (gave up after " + std::to_string(attempt) + " attempts)", status,
                       code);
    }
    std::chrono::milliseconds delay;
    if (throttled && retry_after >= 0) {
      delay = std::chrono::seconds(retry_after);
    } else {
      auto base = o_.backoff_base * (1LL << std::min(attempt - 1, 6));
      base = std::min<std::chrono::milliseconds>(base, std::chrono::seconds(60));
      std::uniform_real_distribution<double> jitter(0.75, 1.25);
      delay = std::chrono::milliseconds(
          static_cast<std::int64_t>(static_cast<double>(base.count()) * jitter(rng)));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.retried;
      if (throttled) ++stats_.throttled;
      stats_.waited_ms += static_cast<std::uint64_t>(delay.count());
    }
    if (!wait(delay)) throw GraphError("stopped while waiting to retry " + url, -1, "stopped");
  }
}

std::string Graph::json_get(const std::string& url) {
  return get(url, nullptr, nullptr).body;
}

std::vector<User> Graph::users(const std::vector<std::string>& selection) {
  const std::string select = "$select=id,userPrincipalName,mail";
  std::vector<User> out;
  auto read_user = [](const Json& v) {
    if (!v.is_object()) return User{};
    return User{text(v, "id"), text(v, "userPrincipalName"), text(v, "mail")};
  };
  auto pages = [&](std::string url) {
    while (!url.empty()) {
      Json j = parse_object(json_get(url), url);
      if (j.contains("value") && j["value"].is_array()) {
        for (const auto& v : j["value"]) {
          User u = read_user(v);
          // Only users with a mailbox (a mail address) have mail to retrieve.
          if (!u.id.empty() && !u.mail.empty()) out.push_back(std::move(u));
        }
      }
      url = text(j, "@odata.nextLink");
      if (!url.empty()) check_link(url);
    }
  };
  if (selection.size() == 1 && selection[0] == "all") {
    pages(o_.graph_url + "/v1.0/users?" + select + "&$top=999");
  } else if (selection.size() == 1 && selection[0].rfind("group:", 0) == 0) {
    pages(o_.graph_url + "/v1.0/groups/" + url_segment(selection[0].substr(6)) +
          "/transitiveMembers/microsoft.graph.user?" + select + "&$top=999");
  } else {
    for (const auto& upn : selection) {
      std::string url = o_.graph_url + "/v1.0/users/" + url_segment(upn) + "?" + select;
      User u = read_user(parse_object(json_get(url), url));
      if (u.id.empty()) throw GraphError(url + ": the answer has no user id", 200, "");
      out.push_back(std::move(u));
    }
  }
  return out;
}

std::vector<Folder> Graph::folders(const User& u, const std::vector<std::string>& skip) {
  std::vector<Folder> out;
  std::string base = o_.graph_url + "/v1.0/users/" + url_segment(u.id) + "/mailFolders";
  std::function<void(const std::string&, const std::string&, int)> walk =
      [&](const std::string& first, const std::string& prefix, int depth) {
        if (depth > 64) throw GraphError("mail folders nested deeper than 64 levels", 200, "");
        std::string url = first;
        while (!url.empty()) {
          Json j = parse_object(json_get(url), url);
          if (j.contains("value") && j["value"].is_array()) {
            for (const auto& v : j["value"]) {
              if (!v.is_object()) continue;
              std::string name = text(v, "displayName");
              std::string id = text(v, "id");
              if (id.empty() || std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
              std::string path = prefix.empty() ? name : prefix + "/" + name;
              std::uint64_t total = 0;
              if (v.contains("totalItemCount") && v["totalItemCount"].is_number_unsigned())
                total = v["totalItemCount"].get<std::uint64_t>();
              out.push_back({id, path, total});
              bool children = !v.contains("childFolderCount") ||
                              !v["childFolderCount"].is_number() ||
                              v["childFolderCount"].get<std::int64_t>() > 0;
              if (children) {
                walk(base + "/" + url_segment(id) + "/childFolders?$top=250", path, depth + 1);
              }
            }
          }
          url = text(j, "@odata.nextLink");
          if (!url.empty()) check_link(url);
        }
      };
  walk(base + "?$top=250", "", 0);
  return out;
}

std::string Graph::delta_start(const User& u, const Folder& f) const {
  return o_.graph_url + "/v1.0/users/" + url_segment(u.id) + "/mailFolders/" + url_segment(f.id) +
         "/messages/delta?$select=id";
}

DeltaPage parse_delta(const std::string& body, const std::string& url,
                      const std::string& graph_url) {
  Json j = parse_object(body, url);
  DeltaPage p;
  if (j.contains("value") && j["value"].is_array()) {
    for (const auto& v : j["value"]) {
      if (!v.is_object()) continue;
      std::string id = text(v, "id");
      if (id.empty()) continue;
      (v.contains("@removed") ? p.removed : p.added).push_back(std::move(id));
    }
  }
  p.next_link = text(j, "@odata.nextLink");
  p.delta_link = text(j, "@odata.deltaLink");
  for (const auto* link : {&p.next_link, &p.delta_link}) {
    if (!link->empty() && link->rfind(graph_url + "/", 0) != 0) {
      throw GraphError("Graph answered with a link outside " + graph_url + ": " + *link, 200,
                       "foreignLink");
    }
  }
  if (p.next_link.empty() == p.delta_link.empty()) {
    throw GraphError(url + ": a delta page needs exactly one of nextLink and deltaLink", 200, "");
  }
  return p;
}

DeltaPage Graph::delta(const std::string& url) {
  check_link(url);
  return parse_delta(json_get(url), url, o_.graph_url);
}

std::uint64_t Graph::mime(const User& u, const std::string& id, const std::function<void()>& reset,
                          const std::function<bool(std::string_view)>& write) {
  std::uint64_t n = 0;
  std::function<void()> r = [&] {
    n = 0;
    reset();
  };
  std::function<bool(std::string_view)> w = [&](std::string_view piece) {
    n += piece.size();
    return write(piece);
  };
  get(o_.graph_url + "/v1.0/users/" + url_segment(u.id) + "/messages/" + url_segment(id) +
          "/$value",
      &r, &w);
  return n;
}

}  // namespace postjournal::cloud
