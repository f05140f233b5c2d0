// One HTTP(S) request with libcurl (the only code that includes curl/): the body sent from
// memory, the answer read into memory up to a bound - or, with `sink`, a successful (2xx) answer
// handed over in pieces as it arrives (message bodies of any size). TLS peers are verified against
// the system's CAs or `ca_file`; an optional client certificate and HTTP basic authentication.
// Every request has a deadline. Thread-safe: each call uses its own handle (curl's global set-up
// runs once). Errors: a transport failure (DNS, connect, TLS, deadline, an answer over the bound)
// throws http::Error naming the URL and curl's reason; any HTTP status is a result.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace postjournal::http {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// Request::sink returned false: the transfer was aborted on purpose (not worth retrying).
class SinkRefused : public Error {
 public:
  using Error::Error;
};

struct Request {
  std::string url;
  std::string method = "POST";  // POST or GET
  std::string content_type;     // of the body (POST)
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  std::string ca_file;               // empty: the system's trust store
  std::string client_cert;           // PEM file; empty: none
  std::string client_key;            // PEM file; empty: in client_cert
  std::string username, password;    // basic authentication when username is not empty
  std::chrono::milliseconds timeout{30000};
  // With a sink: abort when fewer than 1 KiB/s arrive for this long (0: no such check).
  std::chrono::seconds low_speed_time{0};
  std::size_t max_response = 1 << 20;
  // Receives the body of a 2xx answer piece by piece instead of Response::body; false aborts
  // (then perform throws Error). Other statuses still fill Response::body (an error document).
  std::function<bool(std::string_view)> sink;
};

struct Response {
  long status = 0;
  std::string content_type;  // as sent, parameters included
  std::string body;
  long retry_after = -1;   // the Retry-After header in seconds (a date is read as 0); -1: none
  std::uint64_t sunk = 0;  // bytes handed to Request::sink
};

Response perform(const Request& r);

}  // namespace postjournal::http
