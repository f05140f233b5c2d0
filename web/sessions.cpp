#include "sessions.hpp"

#include "util/crypto.hpp"
#include "util/sha256.hpp"

namespace postjournal::web {

namespace {
constexpr auto kAnonymousLife = std::chrono::minutes(10);
constexpr auto kWindow = std::chrono::minutes(15);
}  // namespace

std::string random_token() {
  std::string b(32, '\0');
  util::random_bytes(b.data(), b.size());
  return util::to_hex(b);
}

void Sessions::expire(Clock::time_point now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const Session& s = it->second;
    bool dead =
        s.who ? (now - s.created > ttl_ || now - s.used > idle_) : now - s.created > kAnonymousLife;
    it = dead ? sessions_.erase(it) : std::next(it);
  }
  while (!anonymous_.empty() && !sessions_.count(anonymous_.front())) anonymous_.pop_front();
}

Session Sessions::open_anonymous(Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (sessions_.size() > 4 * kMaxAnonymous) expire(now);
  while (anonymous_.size() >= kMaxAnonymous) {
    sessions_.erase(anonymous_.front());
    anonymous_.pop_front();
  }
  Session s{random_token(), random_token(), std::nullopt, now, now};
  sessions_[s.id] = s;
  anonymous_.push_back(s.id);
  return s;
}

Session Sessions::log_in(const std::string& old_id, access::Identity who, Clock::time_point now) {
  std::lock_guard lock(mu_);
  sessions_.erase(old_id);
  Session s{random_token(), random_token(), std::move(who), now, now};
  sessions_[s.id] = s;
  return s;
}

std::optional<Session> Sessions::find(const std::string& id, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  Session& s = it->second;
  bool dead =
      s.who ? (now - s.created > ttl_ || now - s.used > idle_) : now - s.created > kAnonymousLife;
  if (dead) {
    sessions_.erase(it);
    return std::nullopt;
  }
  s.used = now;
  return s;
}

void Sessions::end(const std::string& id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

std::size_t Sessions::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void LoginThrottle::prune(std::deque<Clock::time_point>& d, Clock::time_point now) {
  while (!d.empty() && now - d.front() > kWindow) d.pop_front();
}

bool LoginThrottle::blocked(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return false;
  prune(it->second, now);
  return it->second.size() >= limit_;
}

void LoginThrottle::failed(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (failures_.size() > 100000) failures_.clear();  // bounded memory under a spray of names
  auto& d = failures_[key];
  prune(d, now);
  d.push_back(now);
}

void LoginThrottle::succeeded(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

}  // namespace postjournal::web
