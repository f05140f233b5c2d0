// postjournal-web's sessions and login throttling, in memory (a restart of the service logs
// everyone out). A session id is 256 random bits (hex) sent only in the cookie; each session has
// its own CSRF token that every state-changing request must echo (form field `csrf` or header
// X-CSRF-Token). GET /login opens an anonymous session (only its CSRF token is used), replaced
// by a new id when the login succeeds (no fixation). Expiry: `ttl` after creation or `idle` after
// the last use, whichever comes first; anonymous sessions live 10 minutes and at most
// kMaxAnonymous of them exist (the oldest are dropped). Thread-safe (one mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "access/identity.hpp"

namespace postjournal::web {

using Clock = std::chrono::steady_clock;

struct Session {
  std::string id;
  std::string csrf;
  std::optional<access::Identity> who;  // nullopt: anonymous (the login form's)
  Clock::time_point created, used;
};

class Sessions {
 public:
  static constexpr std::size_t kMaxAnonymous = 10000;

  Sessions(std::chrono::seconds ttl, std::chrono::seconds idle) : ttl_(ttl), idle_(idle) {}

  Session open_anonymous(Clock::time_point now = Clock::now());
  // Replaces the anonymous session `old_id` (if any) by a new one for `who`.
  Session log_in(const std::string& old_id, access::Identity who,
                 Clock::time_point now = Clock::now());
  // The live session with this id (its last use updated), or nullopt.
  std::optional<Session> find(const std::string& id, Clock::time_point now = Clock::now());
  void end(const std::string& id);
  std::size_t size() const;

 private:
  void expire(Clock::time_point now);
  std::chrono::seconds ttl_, idle_;
  mutable std::mutex mu_;
  std::map<std::string, Session> sessions_;
  std::deque<std::string> anonymous_;  // ids in creation order
};

// Failed logins per key ("user:NAME", "ip:ADDR") in a sliding 15-minute window.
class LoginThrottle {
 public:
  explicit LoginThrottle(std::size_t limit) : limit_(limit) {}
  bool blocked(const std::string& key, Clock::time_point now = Clock::now());
  void failed(const std::string& key, Clock::time_point now = Clock::now());
  void succeeded(const std::string& key);

 private:
  void prune(std::deque<Clock::time_point>& d, Clock::time_point now);
  std::size_t limit_;
  std::mutex mu_;
  std::map<std::string, std::deque<Clock::time_point>> failures_;
};

// 32 random bytes as hex.
std::string random_token();

}  // namespace postjournal::web
