#include "http/client.hpp"

#include <curl/curl.h>

#include <cctype>
#include <memory>
#include <mutex>

namespace postjournal::http {

namespace {

struct Sink {
  std::string* body;
  std::size_t max;
  CURL* curl = nullptr;
  const std::function<bool(std::string_view)>* stream = nullptr;
  std::uint64_t* sunk = nullptr;
  bool overflow = false;
  bool refused = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  std::size_t len = size * n;
  long status = 0;
  if (s->stream != nullptr && *s->stream) {
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      if (!(*s->stream)(std::string_view(data, len))) {
        s->refused = true;
        return 0;
      }
      *s->sunk += len;
      return len;
    }
  }
  if (s->body->size() + len > s->max) {
    s->overflow = true;
    return 0;  // curl aborts the transfer with CURLE_WRITE_ERROR
  }
  s->body->append(data, len);
  return len;
}

// Retry-After: delta-seconds; an HTTP date counts as "now" (0).
std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<long*>(user);
  std::size_t len = size * n;
  std::string_view h(data, len);
  constexpr std::string_view kName = "retry-after:";
  if (h.size() > kName.size()) {
    bool match = true;
    for (std::size_t i = 0; i < kName.size() && match; ++i)
      match = static_cast<char>(std::tolower(static_cast<unsigned char>(h[i]))) == kName[i];
    if (match) {
      long v = 0;
      bool digits = false;
      for (char c : h.substr(kName.size())) {
        if (c >= '0' && c <= '9') {
          v = v * 10 + (c - '0');
          digits = true;
          if (v > 86400) v = 86400;
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
          digits = false;
          break;
        }
      }
      *out = digits ? v : 0;
    }
  }
  return len;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("curl_global_init failed");
  });
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

Response perform(const Request& r) {
  global_init();
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) throw Error("curl_easy_init failed");
  CURL* c = curl.get();
  Response out;
  Sink sink{&out.body, r.max_response, c, &r.sink, &out.sunk};
  char errbuf[CURL_ERROR_SIZE] = {0};
  std::unique_ptr<curl_slist, SlistFree> headers;
  auto add_header = [&headers](const std::string& h) {
    curl_slist* l = curl_slist_append(headers.get(), h.c_str());
    if (l == nullptr) throw Error("curl_slist_append failed");
    (void)headers.release();
    headers.reset(l);
  };
  for (const auto& h : r.headers) add_header(h);
  if (r.method == "POST") {
    if (!r.content_type.empty()) add_header("Content-Type: " + r.content_type);
    add_header("Expect:");  // no 100-continue round trip
  }
  auto ms = static_cast<long>(r.timeout.count());
  bool ok = curl_easy_setopt(c, CURLOPT_URL, r.url.c_str()) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_HEADERDATA, &out.retry_after) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
  if (ok && r.method == "POST") {
    ok = curl_easy_setopt(c, CURLOPT_POST, 1L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.data()) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size())) ==
             CURLE_OK;
  } else if (ok && r.method != "GET") {
    throw Error("unsupported HTTP method " + r.method);
  }
  if (ok && r.low_speed_time.count() > 0) {
    ok = curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(r.low_speed_time.count())) ==
             CURLE_OK;
  }
  if (ok && !r.ca_file.empty()) ok = curl_easy_setopt(c, CURLOPT_CAINFO, r.ca_file.c_str()) == 0;
  if (ok && !r.client_cert.empty()) {
    ok =
        curl_easy_setopt(c, CURLOPT_SSLCERT, r.client_cert.c_str()) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSLKEY,
                         (r.client_key.empty() ? r.client_cert : r.client_key).c_str()) == CURLE_OK;
  }
  if (ok && !r.username.empty()) {
    ok = curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_USERNAME, r.username.c_str()) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_PASSWORD, r.password.c_str()) == CURLE_OK;
  }
  if (!ok) throw Error(r.url + ": cannot set up the request (curl_easy_setopt)");
  CURLcode rc = curl_easy_perform(c);
  if (sink.refused) throw SinkRefused(r.url + ": the body was refused by its sink");
  if (sink.overflow) {
    throw Error(r.url + ": the answer is larger than " + std::to_string(r.max_response) + " bytes");
  }
  if (rc != CURLE_OK) {
    throw Error(r.url + ": " + (errbuf[0] != 0 ? errbuf : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  char* ct = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != nullptr) {
    out.content_type = ct;
  }
  return out;
}

}  // namespace postjournal::http
