#include "util/time.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "util/strings.hpp"

namespace postjournal::util {

namespace {
constexpr TimeUs kUsPerSec = 1000000;

std::tm to_tm(TimeUs t) {
  std::time_t secs = static_cast<std::time_t>(t / kUsPerSec);
  if (t < 0 && t % kUsPerSec != 0) --secs;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}
}  // namespace

TimeUs now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_iso8601(TimeUs t) {
  std::tm tm = to_tm(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string format_asctime(TimeUs t) {
  std::tm tm = to_tm(t);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

std::string format_rfc5322(TimeUs t) {
  std::tm tm = to_tm(t);
  char buf[48];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::optional<TimeUs> parse_time(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text[0] == '@') {
    unsigned long long secs = 0;
    if (!parse_u64(text.substr(1), secs) || secs > 253402300799ULL) return std::nullopt;
    return static_cast<TimeUs>(secs) * kUsPerSec;
  }
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!digits(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || !digits(text, 5, 2, mo) ||
      text[7] != '-' || !digits(text, 8, 2, d)) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(10);
  if (!rest.empty()) {
    if ((rest[0] != 'T' && rest[0] != ' ') || rest.size() < 6 || !digits(rest, 1, 2, h) ||
        rest[3] != ':' || !digits(rest, 4, 2, mi)) {
      return std::nullopt;
    }
    rest = rest.substr(6);
    if (!rest.empty() && rest[0] == ':') {
      if (!digits(rest, 1, 2, s)) return std::nullopt;
      rest = rest.substr(3);
    }
    if (rest == "Z") rest = {};
    if (!rest.empty()) return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::time_t secs = timegm(&tm);
  return static_cast<TimeUs>(secs) * kUsPerSec;
}

}  // namespace postjournal::util
