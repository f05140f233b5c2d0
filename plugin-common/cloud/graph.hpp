// A Microsoft Graph v1.0 client for mailbox retrieval (README, Importing existing Microsoft 365
// mailboxes): users (all with a mailbox, listed ones, or a group's transitive members; paged),
// mail folders recursively, per-folder message delta queries (nextLink / deltaLink pages), and a
// message's MIME ($value) streamed to a sink. Every request carries the bearer token of the
// TokenCache and Prefer: IdType="ImmutableId" (ids survive moves between folders).
//
// Throttling and failures: at most `in_flight` requests of one Graph object at a time (one
// object per mailbox: Microsoft allows 4 concurrent requests per mailbox); 429 and 503 wait for
// Retry-After when the answer has one, otherwise (and for 500, 502, 504 and transport failures:
// resets, deadlines) an exponential backoff with jitter (1 s doubling to 60 s, +-25 %); a 401
// refreshes the token once. After `max_attempts` the request fails. Links in answers must stay
// under graph_url (a bearer token is never sent elsewhere). Errors: GraphError with the HTTP
// status (0: transport) and Graph's error code and message ("syncStateNotFound" with 410, ...);
// AuthError from the token. Waiting stops early when *stop becomes true (GraphError kStopped).
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/oauth2.hpp"

namespace postjournal::cloud {

struct GraphError : std::runtime_error {
  GraphError(const std::string& what, long s, std::string c)
      : std::runtime_error(what), status(s), code(std::move(c)) {}
  long status;       // HTTP status; 0 for a transport failure, -1 when stopped
  std::string code;  // Graph's error.code
};

struct User {
  std::string id;
  std::string principal;  // userPrincipalName
  std::string mail;
};

struct Folder {
  std::string id;
  std::string path;         // display names from the root, "/"-separated
  std::uint64_t items = 0;  // totalItemCount when listed (progress estimates)
};

struct DeltaPage {
  std::vector<std::string> added;    // message ids (new or changed)
  std::vector<std::string> removed;  // "@removed" entries
  std::string next_link;             // more pages of this round
  std::string delta_link;            // the round is complete: the next round starts here
};

struct GraphOptions {
  std::string graph_url;  // https://graph.microsoft.com
  std::string ca_file;
  TokenCache* tokens = nullptr;
  unsigned in_flight = 4;
  int max_attempts = 8;
  std::chrono::seconds request_timeout{60};
  std::chrono::seconds body_stall{120};  // a $value download slower than 1 KiB/s this long fails
  const std::atomic<bool>* stop = nullptr;
  std::chrono::milliseconds backoff_base{1000};  // tests shorten it
};

struct GraphStats {
  std::uint64_t requests = 0;
  std::uint64_t throttled = 0;  // 429 / 503 answers
  std::uint64_t retried = 0;    // attempts after a failure of any kind
  std::uint64_t waited_ms = 0;  // spent waiting before retries
};

class Graph {
 public:
  explicit Graph(GraphOptions o);

  // selection: {"all"}, {"group:ID"} or user principal names (each looked up; a missing one is a
  // GraphError 404 naming it).
  std::vector<User> users(const std::vector<std::string>& selection);
  // Every mail folder, depth first, except those named in `skip` (and their subfolders).
  std::vector<Folder> folders(const User& u, const std::vector<std::string>& skip);
  // The first delta request of a folder.
  std::string delta_start(const User& u, const Folder& f) const;
  // One page of a delta round (from delta_start, a next_link or a stored delta_link). A 410 (the
  // stored state expired: "syncStateNotFound") is a GraphError with status 410.
  DeltaPage delta(const std::string& url);
  // The MIME of message `id`, streamed: `reset` before each attempt, `write` per piece (false:
  // abort: GraphError code "sinkRefused", not retried). Returns its size. A 404 (deleted since it
  // was listed) is a GraphError with 404.
  std::uint64_t mime(const User& u, const std::string& id, const std::function<void()>& reset,
                     const std::function<bool(std::string_view)>& write);

  GraphStats stats() const;
  const std::string& host() const { return host_; }  // host[:port] of graph_url

 private:
  struct Answer {
    long status = 0;
    std::string body;
  };
  Answer get(const std::string& url, const std::function<void()>* reset,
             const std::function<bool(std::string_view)>* write);
  std::string json_get(const std::string& url);
  bool wait(std::chrono::milliseconds d);
  void check_link(const std::string& link) const;

  GraphOptions o_;
  std::string host_;
  std::mutex mu_;
  std::condition_variable cv_;
  unsigned busy_ = 0;
  GraphStats stats_;
};

// One delta page's answer: ids added and removed, and exactly one of nextLink / deltaLink, both
// under graph_url. GraphError (status 200) for anything else. (Graph::delta; the fuzz target.)
DeltaPage parse_delta(const std::string& body, const std::string& url,
                      const std::string& graph_url);

// Percent-encodes a path segment (ids and names in URLs).
std::string url_segment(std::string_view s);

}  // namespace postjournal::cloud
