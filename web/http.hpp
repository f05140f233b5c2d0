// The request and response of postjournal-web as the application sees them, independent of the
// HTTP library (server.cpp translates libmicrohttpd's). Plain data; thread-safe as values.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/file.hpp"

namespace postjournal::web {

struct Request {
  std::string method;                        // "GET", "POST", ...
  std::string path;                          // decoded, without the query
  std::map<std::string, std::string> query;  // decoded; the first of repeated names
  std::map<std::string, std::string> form;   // POST application/x-www-form-urlencoded
  std::map<std::string, std::string> cookies;
  // Header lookup, case-insensitive name; nullopt when absent.
  std::function<std::optional<std::string>(const std::string&)> header;
  std::string client;  // the peer's address ("127.0.0.1", "::1"), "unix" on a Unix socket
  bool unix_socket = false;

  std::string param(const std::string& name) const;  // query, else form, else ""
};

struct Response {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Instead of `body`: the whole of an open file (exports), or `size` bytes produced by `read`
  // (pos, buffer, max) -> bytes written, -1 on error (stored messages, read in windows).
  std::shared_ptr<util::UniqueFd> file;
  std::uint64_t size = 0;
  std::function<std::int64_t(std::uint64_t, char*, std::size_t)> read;

  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// Decodes %XX and '+' (form encoding); false on a malformed escape.
bool url_decode(std::string_view in, std::string& out);
// name=value&... (application/x-www-form-urlencoded); the first of repeated names wins.
std::map<std::string, std::string> parse_form(std::string_view body);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string url_encode(std::string_view in);

}  // namespace postjournal::web
