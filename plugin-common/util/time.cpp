#include "util/time.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <utility>
#include <vector>

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

std::optional<TimeUs> parse_rfc5322_date(std::string_view text) {
  std::string s(text.substr(0, 200));
  if (auto comma = s.find(','); comma != std::string::npos) s.erase(0, comma + 1);
  std::vector<std::string> w = split_blanks(s);
  if (w.size() < 4) return std::nullopt;
  static constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};
  unsigned long long day = 0, year = 0;
  if (!parse_u64(w[0], day) || !parse_u64(w[2], year)) return std::nullopt;
  std::string mon = to_lower_ascii(w[1].substr(0, 3));
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (mon == kMonths[i]) month = i;
  }
  if (month < 0 || day < 1 || day > 31) return std::nullopt;
  if (year < 50)
    year += 2000;
  else if (year < 1000)
    year += 1900;
  unsigned hh = 0, mm = 0, ss = 0;
  {
    auto parts = w[3];
    unsigned long long v[3] = {0, 0, 0};
    std::size_t n = 0, start = 0;
    for (std::size_t i = 0; i <= parts.size() && n < 3; ++i) {
      if (i == parts.size() || parts[i] == ':') {
        if (!parse_u64(std::string_view(parts).substr(start, i - start), v[n])) return std::nullopt;
        ++n;
        start = i + 1;
      }
    }
    if (n < 2 || v[0] > 23 || v[1] > 59 || v[2] > 60) return std::nullopt;
    hh = static_cast<unsigned>(v[0]);
    mm = static_cast<unsigned>(v[1]);
    ss = static_cast<unsigned>(v[2]);
  }
  long offset_min = 0;
  if (w.size() > 4) {
    const std::string& z = w[4];
    if ((z[0] == '+' || z[0] == '-') && z.size() == 5) {
      unsigned long long hm = 0;
      if (parse_u64(std::string_view(z).substr(1), hm)) {
        offset_min = static_cast<long>((hm / 100) * 60 + hm % 100);
        if (z[0] == '-') offset_min = -offset_min;
      }
    } else {
      static constexpr std::pair<const char*, long> kZones[] = {
          {"est", -5}, {"edt", -4}, {"cst", -6}, {"cdt", -5},
          {"mst", -7}, {"mdt", -6}, {"pst", -8}, {"pdt", -7}};
      std::string lz = to_lower_ascii(z);
      for (const auto& [n, h] : kZones) {
        if (lz == n) offset_min = h * 60;
      }
    }
  }
  std::tm tm{};
  tm.tm_year = static_cast<int>(year) - 1900;
  tm.tm_mon = month;
  tm.tm_mday = static_cast<int>(day);
  tm.tm_hour = static_cast<int>(hh);
  tm.tm_min = static_cast<int>(mm);
  tm.tm_sec = static_cast<int>(ss);
  time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  return (static_cast<TimeUs>(t) - offset_min * 60) * 1000000;
}

TimeUs add_calendar(TimeUs t, int years, int months, long long days) {
  constexpr TimeUs kUs = 1000000;
  constexpr long long kMaxYears = 100000;
  if (years < 0 || months < 0 || days < 0 || years > kMaxYears || months > kMaxYears * 12 ||
      days > kMaxYears * 366) {
    return INT64_MAX;
  }
  std::time_t secs = static_cast<std::time_t>(t / kUs);
  TimeUs frac = t % kUs;
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr) return INT64_MAX;
  long long month_index = static_cast<long long>(tm.tm_mon) + months % 12;
  long long year = static_cast<long long>(tm.tm_year) + years + months / 12 + month_index / 12;
  int month = static_cast<int>(month_index % 12);
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  long long full_year = year + 1900;
  bool leap = (full_year % 4 == 0 && full_year % 100 != 0) || full_year % 400 == 0;
  int last = kDays[month] + (month == 1 && leap ? 1 : 0);
  tm.tm_year = static_cast<int>(year);
  tm.tm_mon = month;
  if (tm.tm_mday > last) tm.tm_mday = last;
  std::time_t moved = timegm(&tm);
  if (moved == static_cast<std::time_t>(-1)) return INT64_MAX;
  long long total = static_cast<long long>(moved) + days * 86400;
  if (total > INT64_MAX / kUs - 1) return INT64_MAX;
  return static_cast<TimeUs>(total) * kUs + frac;
}

}  // namespace postjournal::util
