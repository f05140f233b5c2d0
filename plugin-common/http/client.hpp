// One HTTP(S) request with libcurl (the only code that includes curl/): the body sent from
// memory, the answer read into memory up to a bound. For short protocol exchanges (an RFC 3161
// TSA; OAuth2 token endpoints), not for message bodies. TLS peers are verified against the
// system's CAs or `ca_file`; an optional client certificate and HTTP basic authentication. Every
// request has a deadline. Thread-safe: each call uses its own handle (curl's global set-up runs
// once). Errors: a transport failure (DNS, connect, TLS, deadline, an answer over the bound)
// throws http::Error naming the URL and curl's reason; any HTTP status is a result.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace postjournal::http {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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
  std::size_t max_response = 1 << 20;
};

struct Response {
  long status = 0;
  std::string content_type;  // as sent, parameters included
  std::string body;
};

Response perform(const Request& r);

}  // namespace postjournal::http
