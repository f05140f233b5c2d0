#include "server.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "util/file.hpp"
#include "util/log.hpp"

namespace postjournal::web {

namespace {

struct Pending {
  std::string body;
  bool too_large = false;
};

MHD_Result collect(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* m = static_cast<std::map<std::string, std::string>*>(cls);
  if (key) m->emplace(key, value ? value : "");
  return MHD_YES;
}

std::string peer(MHD_Connection* c, bool& unix_socket) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  unix_socket = false;
  if (!info || !info->client_addr) return "unknown";
  char buf[INET6_ADDRSTRLEN] = {};
  const sockaddr* sa = info->client_addr;
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    return buf;
  }
  if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    return buf;
  }
  unix_socket = sa->sa_family == AF_UNIX;
  return unix_socket ? "unix" : "unknown";
}

struct Reader {
  std::function<std::int64_t(std::uint64_t, char*, std::size_t)> read;
};

ssize_t read_callback(void* cls, uint64_t pos, char* buf, size_t max) {
  auto* r = static_cast<Reader*>(cls);
  std::int64_t n = r->read(pos, buf, max);
  if (n < 0) return MHD_CONTENT_READER_END_WITH_ERROR;
  if (n == 0) return MHD_CONTENT_READER_END_OF_STREAM;
  return static_cast<ssize_t>(n);
}

void free_reader(void* cls) {
  delete static_cast<Reader*>(cls);
}

MHD_Result send(MHD_Connection* c, Response& out) {
  MHD_Response* resp = nullptr;
  if (out.file) {
    int fd = out.file->release();
    resp = MHD_create_response_from_fd64(out.size, fd);
    if (!resp) ::close(fd);
  } else if (out.read) {
    auto* r = new Reader{std::move(out.read)};
    resp = MHD_create_response_from_callback(out.size, 64 * 1024, &read_callback, r, &free_reader);
    if (!resp) delete r;
  } else {
    resp = MHD_create_response_from_buffer(out.body.size(), out.body.data(), MHD_RESPMEM_MUST_COPY);
  }
  if (!resp) return MHD_NO;
  for (const auto& [k, v] : out.headers) MHD_add_response_header(resp, k.c_str(), v.c_str());
  MHD_Result ret = MHD_queue_response(c, out.status, resp);
  MHD_destroy_response(resp);
  return ret;
}

int unix_listener(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  if (path.size() >= sizeof un.sun_path) throw std::runtime_error("web.listen: path too long");
  std::memcpy(un.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  mode_t old = ::umask(0117);
  bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&un), sizeof un) == 0 &&
            ::listen(fd, 512) == 0;
  ::umask(old);
  if (!ok) {
    std::string err = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("web.listen: cannot listen on unix:" + path + ": " + err);
  }
  return fd;
}

}  // namespace

struct Server::Impl {
  App& app;
  const config::Config& config;
  MHD_Daemon* daemon = nullptr;
  std::string unix_path;
  sockaddr_storage addr{};
  std::string host;

  static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method,
                               const char*, const char* upload, size_t* upload_size,
                               void** req_cls) {
    auto* self = static_cast<Impl*>(cls);
    auto* p = static_cast<Pending*>(*req_cls);
    if (!p) {
      *req_cls = new Pending;
      return MHD_YES;
    }
    if (*upload_size != 0) {
      if (p->body.size() + *upload_size > self->config.web_max_request) {
        p->too_large = true;
      } else {
        p->body.append(upload, *upload_size);
      }
      *upload_size = 0;
      return MHD_YES;
    }
    auto started = std::chrono::steady_clock::now();
    Request r;
    r.method = method;
    r.path = url;
    bool unix_socket = false;
    r.client = peer(c, unix_socket);
    r.unix_socket = unix_socket;
    Response out;
    if (p->too_large) {
      out = error(413, "The request is too large.", false);
    } else {
      MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, &collect, &r.query);
      MHD_get_connection_values(c, MHD_COOKIE_KIND, &collect, &r.cookies);
      r.header = [c](const std::string& name) -> std::optional<std::string> {
        const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name.c_str());
        if (!v) return std::nullopt;
        return std::string(v);
      };
      const char* ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
      if (ct && std::strncmp(ct, "application/x-www-form-urlencoded", 33) == 0)
        r.form = parse_form(p->body);
      out = self->app.handle(r);
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    util::log(util::LogLevel::kInfo, "web: " + r.method + " " + r.path + " " +
                                         std::to_string(out.status) + " client=" + r.client +
                                         " ms=" + std::to_string(ms));
    return send(c, out);
  }

  static void on_completed(void*, MHD_Connection*, void** req_cls, MHD_RequestTerminationCode) {
    delete static_cast<Pending*>(*req_cls);
    *req_cls = nullptr;
  }
};

Server::Server(App& app, const config::Config& c)
    : impl_(std::make_unique<Impl>(Impl{app, c, nullptr, {}, {}, {}})) {
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  auto threads = static_cast<unsigned>(c.web_threads);
  const std::string& l = c.web_listen;
  if (l.rfind("unix:", 0) == 0) {
    impl_->unix_path = l.substr(5);
    int fd = unix_listener(impl_->unix_path);
    impl_->daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &Impl::on_request, impl_.get(),
                                     MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED,
                                     &Impl::on_completed, nullptr, MHD_OPTION_THREAD_POOL_SIZE,
                                     threads, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
                                     MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_END);
    if (!impl_->daemon) {
      ::close(fd);
      throw std::runtime_error("web.listen: cannot serve on " + l);
    }
    return;
  }
  auto colon = l.rfind(':');
  std::string host = l.substr(0, colon);
  int port = std::atoi(l.c_str() + colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto& ss = impl_->addr;
  socklen_t len = 0;
  if (auto* in4 = reinterpret_cast<sockaddr_in*>(&ss);
      inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
             inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in6);
    flags |= MHD_USE_IPv6;
  } else {
    throw std::runtime_error("web.listen: '" + l + "' is not ADDRESS:PORT (an IP address)");
  }
  (void)len;
  impl_->host = host;
  impl_->daemon = MHD_start_daemon(
      flags, static_cast<std::uint16_t>(port), nullptr, nullptr, &Impl::on_request, impl_.get(),
      MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&ss), MHD_OPTION_NOTIFY_COMPLETED,
      &Impl::on_completed, nullptr, MHD_OPTION_THREAD_POOL_SIZE, threads,
      MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_END);
  if (!impl_->daemon) throw std::runtime_error("web.listen: cannot listen on " + l);
}

Server::~Server() {
  if (impl_->daemon) MHD_stop_daemon(impl_->daemon);
  if (!impl_->unix_path.empty()) ::unlink(impl_->unix_path.c_str());
}

std::string Server::address() const {
  if (!impl_->unix_path.empty()) return "unix:" + impl_->unix_path;
  const MHD_DaemonInfo* info = MHD_get_daemon_info(impl_->daemon, MHD_DAEMON_INFO_BIND_PORT);
  std::string port = info ? std::to_string(info->port) : "?";
  return (impl_->host.find(':') != std::string::npos ? "[" + impl_->host + "]" : impl_->host) +
         ":" + port;
}

}  // namespace postjournal::web
