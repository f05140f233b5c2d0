// Timestamps as microseconds since the Unix epoch (UTC), and their text forms.
// Pure functions except now_us(); thread-safe (uses gmtime_r/timegm).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postjournal::util {

using TimeUs = std::int64_t;

TimeUs now_us();

// "2026-11-29T06:47:22Z" (seconds precision, UTC).
std::string format_iso8601(TimeUs t);
// "Sun Nov 29 06:47:22 2026" as used in an mbox "From " line (UTC).
std::string format_asctime(TimeUs t);
// "Sun, 29 Nov 2026 10:42:10 +0000" (RFC 5322 Date, UTC).
std::string format_rfc5322(TimeUs t);

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]Z" (or with a space instead of T, with or
// without Z; always UTC) and "@<unix seconds>". Returns nullopt on anything else.
std::optional<TimeUs> parse_time(std::string_view text);

// An RFC 5322 Date header value ("Tue, 3 Mar 2026 10:42:10 +0100 (CET)"; the day name, seconds
// and the comment optional; obsolete zone names UT, GMT, EST...PDT and two-digit years
// accepted). Returns nullopt when it cannot be read.
std::optional<TimeUs> parse_rfc5322_date(std::string_view text);

// t plus a calendar period in UTC: years and months move the date (the day is clamped to the end
// of a shorter month: 2024-02-29 + 1y = 2025-02-28), days are 86,400 s each; the time of day is
// kept. Saturates instead of overflowing.
TimeUs add_calendar(TimeUs t, int years, int months, long long days);

}  // namespace postjournal::util
