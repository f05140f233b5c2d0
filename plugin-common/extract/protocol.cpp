#include "extract/protocol.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <system_error>

#include <algorithm>

namespace postjournal::extract {

namespace {

void put_length(std::string& out, std::uint64_t n) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}

void put(std::string& out, std::string_view field) {
  put_length(out, field.size());
  out.append(field);
}

using Clock = std::chrono::steady_clock;

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t w = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) throw std::system_error(errno, std::generic_category(), "extractor socket");
    bytes.remove_prefix(static_cast<std::size_t>(w));
  }
}

bool read_exact(int fd, char* p, std::size_t n,
                Clock::time_point deadline = Clock::time_point::max()) {
  while (n > 0) {
    if (deadline != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd pfd{fd, POLLIN, 0};
      int pr = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
      if (pr < 0 && errno == EINTR) continue;
      if (pr <= 0) return false;
    }
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool get(int fd, std::string& out, std::uint64_t max_bytes,
         Clock::time_point deadline = Clock::time_point::max()) {
  unsigned char len[8];
  if (!read_exact(fd, reinterpret_cast<char*>(len), 8, deadline)) return false;
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len[i];
  if (n > max_bytes) return false;
  out.resize(static_cast<std::size_t>(n));
  return read_exact(fd, out.data(), out.size(), deadline);
}

bool get_number(int fd, std::uint64_t& out, Clock::time_point deadline = Clock::time_point::max()) {
  std::string s;
  if (!get(fd, s, 20, deadline)) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

bool read_request(int fd, Request& out, std::uint64_t max_bytes) {
  std::uint64_t depth = 0;
  bool ok = get(fd, out.mime_type, 1024) && get(fd, out.filename, 4096) &&
            get(fd, out.data, max_bytes) && get_number(fd, out.max_text) &&
            get_number(fd, out.cpu_seconds) && get_number(fd, depth);
  out.zip_depth = static_cast<std::uint32_t>(depth);
  return ok;
}

void write_request(int fd, const Request& r) {
  std::string head;
  put(head, r.mime_type);
  put(head, r.filename);
  put_length(head, r.data.size());  // the data itself is written without another copy
  send_all(fd, head);
  send_all(fd, r.data);
  std::string tail;
  put(tail, std::to_string(r.max_text));
  put(tail, std::to_string(r.cpu_seconds));
  put(tail, std::to_string(r.zip_depth));
  send_all(fd, tail);
}

void write_ready(int fd) {
  send_all(fd, "R");
}

bool read_ready(int fd, Clock::time_point deadline) {
  char c = 0;
  return read_exact(fd, &c, 1, deadline) && c == 'R';
}

std::string encode_response(const Response& r) {
  std::string out;
  put(out, std::to_string(static_cast<int>(r.status)));
  put(out, r.truncated ? "1" : "0");
  put(out, r.reason);
  put(out, r.text);
  return out;
}

bool read_response(int fd, Response& out, std::uint64_t max_bytes, Clock::time_point deadline) {
  std::uint64_t status = 0;
  std::string truncated;
  if (!get_number(fd, status, deadline) || status > 2) return false;
  if (!get(fd, truncated, 1, deadline) || !get(fd, out.reason, 1024, deadline) ||
      !get(fd, out.text, max_bytes, deadline))
    return false;
  out.status = static_cast<Status>(status);
  out.truncated = truncated == "1";
  return true;
}

void write_response(int fd, const Response& r) {
  send_all(fd, encode_response(r));
}

}  // namespace postjournal::extract
