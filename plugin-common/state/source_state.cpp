#include "state/source_state.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "archive/lmdb_env.hpp"
#include "util/bytes.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace postjournal::state {

namespace {

using archive::Dbi;

constexpr std::string_view kMagic = "PJS1";
constexpr std::int64_t kHourUs = 3600LL * 1000000;

std::int64_t hour_of(util::TimeUs t) {
  return t / kHourUs;
}

}  // namespace

std::uint64_t SourceState::last_24h(util::TimeUs now) const {
  std::uint64_t n = 0;
  std::int64_t h = hour_of(now);
  for (const auto& [hour, count] : hourly) {
    if (hour > h - 24 && hour <= h) n += count;
  }
  return n;
}

std::string encode_state(const SourceState& s) {
  std::string out(kMagic);
  util::put_varint(out, static_cast<std::uint64_t>(s.last_message));
  util::put_bytes(out, s.last_id);
  util::put_varint(out, s.messages);
  util::put_varint(out, s.bytes);
  util::put_varint(out, s.hourly.size());
  for (const auto& [hour, count] : s.hourly) {
    util::put_varint(out, static_cast<std::uint64_t>(hour));
    util::put_varint(out, count);
  }
  util::put_varint(out, static_cast<std::uint64_t>(s.last_failure));
  util::put_bytes(out, s.last_failure_reason);
  util::put_varint(out, s.failures);
  util::put_varint(out, s.failing ? 1 : 0);
  util::put_varint(out, static_cast<std::uint64_t>(s.alerted));
  return out;
}

std::optional<SourceState> decode_state(std::string_view bytes) {
  if (bytes.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  util::ByteReader r(bytes.substr(kMagic.size()));
  SourceState s;
  std::uint64_t v = 0, n = 0, failing = 0, alerted = 0;
  bool ok = r.varint(v) && r.bytes(s.last_id) && r.varint(s.messages) && r.varint(s.bytes) &&
            r.varint(n) && n <= 24;
  s.last_message = static_cast<util::TimeUs>(v);
  for (std::uint64_t i = 0; ok && i < n; ++i) {
    std::uint64_t hour = 0, count = 0;
    ok = r.varint(hour) && r.varint(count);
    s.hourly.emplace_back(static_cast<std::int64_t>(hour), count);
  }
  ok = ok && r.varint(v) && r.bytes(s.last_failure_reason) && r.varint(s.failures) &&
       r.varint(failing) && r.varint(alerted) && r.done();
  if (!ok) return std::nullopt;
  s.last_failure = static_cast<util::TimeUs>(v);
  s.failing = failing != 0;
  s.alerted = static_cast<util::TimeUs>(alerted);
  return s;
}

namespace {

constexpr std::string_view kRecreatedKey = std::string_view("\0recreated", 10);

archive::EnvOptions state_options() {
  archive::EnvOptions o;
  o.initial_map_size = 1ull << 20;
  o.max_map_size = 1ull << 30;
  o.schema = archive::EnvOptions::Schema::kKeyValue;
  return o;
}

// Opens the store and reads all of it once: a store a power cut left unreadable fails here.
std::unique_ptr<archive::Environment> open_and_probe(const std::string& dir) {
  if (!archive::Environment::file_plausible(dir)) {
    throw archive::LmdbError(-30793 /* MDB_INVALID */,
                             "data.mdb is shorter than its meta page says");
  }
  auto env = std::make_unique<archive::Environment>(dir, state_options());
  auto r = env->begin_read();
  archive::Cursor c(r.txn, env->dbs().meta);
  for (bool ok = c.first(); ok; ok = c.next()) (void)c.value();
  return env;
}

// Holds <root>/_state.lock while the store is opened (and perhaps recreated) by one process.
class OpenLock {
 public:
  explicit OpenLock(const std::string& root)
      : fd_(::open((root + "/_state.lock").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_.valid()) {
      while (::flock(fd_.get(), LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  }

 private:
  util::UniqueFd fd_;
};

}  // namespace

struct StateStore::Impl {
  std::unique_ptr<archive::Environment> env;
  std::string recreated;  // why the store was recreated (and when), or ""
};

StateStore::StateStore(const std::string& root) : impl_(std::make_unique<Impl>()) {
  std::string dir = root + "/_state";
  util::make_dirs(dir);
  OpenLock lock(root);
  try {
    impl_->env = open_and_probe(dir);
  } catch (const archive::LmdbError& e) {
    // Written without syncs, the store may be unreadable after a power cut. It is only
    // operational state: keep the broken files aside, start afresh, and say so (status).
    struct stat st {};
    bool owned = ::stat(dir.c_str(), &st) == 0;
    util::TimeUs now = util::now_us();
    std::string aside = dir + ".broken." + std::to_string(now / 1000000);
    for (int n = 2; ::access(aside.c_str(), F_OK) == 0; ++n) {
      aside = dir + ".broken." + std::to_string(now / 1000000) + "." + std::to_string(n);
    }
    if (::rename(dir.c_str(), aside.c_str()) != 0) throw;
    util::make_dirs(dir);
    impl_->env = open_and_probe(dir);
    if (owned && ::geteuid() == 0) {
      for (const char* f : {"", "/data.mdb", "/lock.mdb"}) {
        if (::chown((dir + f).c_str(), st.st_uid, st.st_gid) != 0) {
          util::log(util::LogLevel::kWarning, "cannot give " + dir + f + " to its old owner");
        }
      }
    }
    std::string why = util::format_iso8601(now) + ": the source state could not be opened (" +
                      e.what() + "); its files were moved to " + aside;
    impl_->env->write(
        [&](archive::Txn& txn) { txn.put(impl_->env->dbs().meta, kRecreatedKey, why); });
    util::log(util::LogLevel::kWarning, "state store recreated: " + why);
  }
  auto r = impl_->env->begin_read();
  if (auto v = r.txn.get(impl_->env->dbs().meta, kRecreatedKey)) impl_->recreated = std::string(*v);
}

std::string StateStore::recreated() const {
  return impl_->recreated;
}

StateStore::~StateStore() = default;

void StateStore::update(const std::string& source, const std::function<void(SourceState&)>& fn) {
  Dbi dbi = impl_->env->dbs().meta;
  impl_->env->write([&](archive::Txn& txn) {
    SourceState s;
    if (auto v = txn.get(dbi, source)) s = decode_state(*v).value_or(SourceState{});
    fn(s);
    txn.put(dbi, source, encode_state(s));
  });
}

void StateStore::record_message(const std::string& source, util::TimeUs when, const std::string& id,
                                std::uint64_t bytes) {
  update(source, [&](SourceState& s) {
    s.last_message = std::max(s.last_message, when);
    s.last_id = id;
    ++s.messages;
    s.bytes += bytes;
    s.failing = false;
    std::int64_t h = hour_of(when);
    auto it =
        std::find_if(s.hourly.begin(), s.hourly.end(), [h](const auto& p) { return p.first == h; });
    if (it != s.hourly.end()) {
      ++it->second;
    } else {
      s.hourly.emplace_back(h, 1);
    }
    std::erase_if(s.hourly, [h](const auto& p) { return p.first <= h - 24; });
    std::sort(s.hourly.begin(), s.hourly.end());
    while (s.hourly.size() > 24) s.hourly.erase(s.hourly.begin());
  });
}

void StateStore::record_failure(const std::string& source, util::TimeUs when,
                                const std::string& reason) {
  update(source, [&](SourceState& s) {
    s.last_failure = when;
    s.last_failure_reason = reason;
    ++s.failures;
    s.failing = true;
  });
}

SourceState StateStore::get(const std::string& source) const {
  auto r = impl_->env->begin_read();
  if (auto v = r.txn.get(impl_->env->dbs().meta, source)) {
    return decode_state(*v).value_or(SourceState{});
  }
  return {};
}

std::map<std::string, SourceState> StateStore::all() const {
  std::map<std::string, SourceState> out;
  auto r = impl_->env->begin_read();
  archive::Cursor c(r.txn, impl_->env->dbs().meta);
  for (bool ok = c.first(); ok; ok = c.next()) {
    if (auto s = decode_state(c.value())) out.emplace(std::string(c.key()), *s);
  }
  return out;
}

}  // namespace postjournal::state
