// The HTTP side of postjournal-web (libmicrohttpd 0.9.75, the only file that includes it):
// listens on web.listen (ADDRESS:PORT or unix:/path, mode 0660), answers with App. A thread pool
// of web.threads workers (epoll); requests larger than web.max_request get 413; connections idle
// for 60 s are closed. Errors at start: std::runtime_error naming the address.
#pragma once

#include <memory>
#include <string>

#include "app.hpp"

namespace postjournal::web {

class Server {
 public:
  Server(App& app, const config::Config& c);
  ~Server();  // stops accepting and waits for the workers
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // "127.0.0.1:8080" or "unix:/run/postjournal/web.sock": where it really listens (port 0 asked
  // for a free one).
  std::string address() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace postjournal::web
