// bench/web, the load half: N keep-alive HTTP/1.1 connections to postjournal-web, each sending
// the request paths of a file round-robin (each connection starting at a different line) for a
// fixed time, every response read whole (Content-Length) and checked for status 200. Prints
// requests, errors, requests/s and the latency percentiles over every request:
//   connections=N requests=R errors=E rate=X req/s p50=A ms p95=B ms p99=C ms
// Usage: web_load --port P --paths FILE [--connections 1] [--seconds 10] [--header "N: V"]...
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool send_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one response; returns its status (0 on a broken connection). `buf` keeps bytes read
// past the response (none with one request in flight, but harmless).
int read_response(int fd, std::string& buf) {
  std::size_t end;
  char chunk[65536];
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  int status = std::atoi(buf.c_str() + 9);
  std::string head = buf.substr(0, end);
  std::transform(head.begin(), head.end(), head.begin(), ::tolower);
  std::size_t cl = head.find("content-length:");
  if (cl == std::string::npos) return 0;  // postjournal-web always sends a length
  std::size_t length = std::strtoull(head.c_str() + cl + 15, nullptr, 10);
  std::size_t want = end + 4 + length;
  while (buf.size() < want) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  buf.erase(0, want);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, connections = 1;
  double seconds = 10;
  std::string paths_file, headers;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--port") port = std::atoi(argv[i + 1]);
    if (a == "--paths") paths_file = argv[i + 1];
    if (a == "--connections") connections = std::atoi(argv[i + 1]);
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    if (a == "--header") headers += std::string(argv[i + 1]) + "\r\n";
  }
  std::vector<std::string> paths;
  std::ifstream in(paths_file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) paths.push_back(line);
  }
  if (port <= 0 || paths.empty() || connections < 1) {
    std::cerr << "usage: web_load --port P --paths FILE [--connections N] [--seconds S] "
                 "[--header \"Name: value\"]...\n";
    return 64;
  }
  std::mutex mu;
  std::vector<double> all;
  std::atomic<long> errors{0};
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(seconds));
  auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      std::vector<double> mine;
      int fd = connect_to(port);
      std::string buf;
      for (std::size_t i = static_cast<std::size_t>(c); Clock::now() < deadline; ++i) {
        if (fd < 0) {
          errors++;
          return;
        }
        std::string req = "GET " + paths[i % paths.size()] + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          headers + "\r\n";
        auto t0 = Clock::now();
        int status = send_all(fd, req) ? read_response(fd, buf) : 0;
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (status != 200) {
          errors++;
          if (status == 0) {
            ::close(fd);
            fd = connect_to(port);
            buf.clear();
          }
        }
      }
      if (fd >= 0) ::close(fd);
      std::lock_guard<std::mutex> lock(mu);
      all.insert(all.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty()
               ? 0.0
               : all[std::min(all.size() - 1,
                              static_cast<std::size_t>(p * static_cast<double>(all.size())))];
  };
  std::printf(
      "connections=%d requests=%zu errors=%ld rate=%.1f req/s p50=%.1f ms p95=%.1f ms "
      "p99=%.1f ms\n",
      connections, all.size(), errors.load(), static_cast<double>(all.size()) / elapsed, pct(0.50),
      pct(0.95), pct(0.99));
  return errors.load() == 0 ? 0 : 1;
}
