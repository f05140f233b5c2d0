#include "cloud/oauth2.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "http/client.hpp"
#include "util/crypto.hpp"
#include "util/file.hpp"
#include "util/jwt.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

namespace postjournal::cloud {

namespace {

using Json = nlohmann::json;

std::string read_secret(const std::string& path, const char* what) {
  try {
    std::string s = util::read_file(path);
    return s.substr(0, s.find_first_of("\r\n"));
  } catch (const std::exception& e) {
    throw AuthError(std::string("cannot read the ") + what + " " + path + ": " + e.what());
  }
}

std::string form_escape(std::string_view s) {
  return util::percent_encode(s);
}

std::string random_id() {
  unsigned char b[16];
  util::random_bytes(b, sizeof b);
  return util::to_hex(std::string_view(reinterpret_cast<const char*>(b), sizeof b));
}

// POSTs the form to the token endpoint and reads {"access_token", "expires_in"} or the error.
Token request_token(const std::string& url, const std::string& form, const std::string& ca_file) {
  http::Request r;
  r.url = url;
  r.content_type = "application/x-www-form-urlencoded";
  r.body = form;
  r.ca_file = ca_file;
  r.timeout = std::chrono::seconds(30);
  http::Response resp;
  try {
    resp = http::perform(r);
  } catch (const http::Error& e) {
    throw AuthError(std::string("token endpoint: ") + e.what());
  }
  return parse_token_response(resp.status, resp.body, url);
}

}  // namespace

Token parse_token_response(long status, const std::string& body, const std::string& url) {
  Json j = Json::parse(body, nullptr, false);
  if (status != 200) {
    std::string code, text;
    if (j.is_object()) {
      if (j.contains("error") && j["error"].is_string()) code = j["error"].get<std::string>();
      if (j.contains("error_description") && j["error_description"].is_string())
        text = j["error_description"].get<std::string>();
    }
    throw AuthError("token endpoint " + url + " answered " + std::to_string(status) +
                        (code.empty() ? "" : ": " + code) + (text.empty() ? "" : " - " + text),
                    code);
  }
  if (!j.is_object() || !j.contains("access_token") || !j["access_token"].is_string() ||
      j["access_token"].get<std::string>().empty()) {
    throw AuthError("token endpoint " + url + " answered 200 without an access_token");
  }
  Token t;
  t.access_token = j["access_token"].get<std::string>();
  std::int64_t ttl = 3600;
  if (j.contains("expires_in")) {
    const auto& e = j["expires_in"];
    if (e.is_number_integer()) ttl = e.get<std::int64_t>();
    unsigned long long n = 0;
    if (e.is_string() && util::parse_u64(e.get<std::string>(), n))
      ttl = static_cast<std::int64_t>(n);
  }
  ttl = std::clamp<std::int64_t>(ttl, 0, 86400);
  t.expires = util::now_us() + ttl * 1000000;
  return t;
}

std::string microsoft_token_url(const config::Microsoft365& m) {
  return m.login_url + "/" + m.directory_id + "/oauth2/v2.0/token";
}

Token microsoft_token(const config::Microsoft365& m, const std::string& scope) {
  std::string url = microsoft_token_url(m);
  std::string form = "grant_type=client_credentials&client_id=" + form_escape(m.client_id) +
                     "&scope=" + form_escape(scope);
  if (!m.client_secret_file.empty()) {
    form +=
        "&client_secret=" + form_escape(read_secret(m.client_secret_file, "client secret file"));
  } else {
    std::string cert, key;
    try {
      cert = util::read_file(m.certificate_file);
      key = util::read_file(m.private_key_file);
    } catch (const std::exception& e) {
      throw AuthError(std::string("cannot read the certificate or its key: ") + e.what());
    }
    std::int64_t now = util::now_us() / 1000000;
    try {
      Json header = {{"alg", "RS256"},
                     {"typ", "JWT"},
                     {"x5t#S256", util::base64url(util::certificate_sha256(cert))}};
      Json claims = {{"aud", url}, {"iss", m.client_id}, {"sub", m.client_id}, {"jti", random_id()},
                     {"nbf", now}, {"iat", now},         {"exp", now + 600}};
      form += "&client_assertion_type=" +
              form_escape("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
              "&client_assertion=" +
              util::jwt_sign(header.dump(), claims.dump(), key, util::JwtAlg::kRs256);
    } catch (const util::JwtError& e) {
      throw AuthError(m.certificate_file + ": " + e.what());
    }
  }
  return request_token(url, form, m.ca_file);
}

Token google_token(const std::string& key_file, const std::string& token_url,
                   const std::string& subject, const std::string& ca_file) {
  Json sa;
  try {
    sa = Json::parse(util::read_file(key_file));
  } catch (const std::exception& e) {
    throw AuthError("cannot read the service account key " + key_file + ": " + e.what());
  }
  if (!sa.is_object() || !sa.contains("client_email") || !sa["client_email"].is_string() ||
      !sa.contains("private_key") || !sa["private_key"].is_string()) {
    throw AuthError(key_file + ": not a service account key (client_email, private_key)");
  }
  std::string url =
      !token_url.empty() ? token_url : sa.value("token_uri", "https://oauth2.googleapis.com/token");
  std::int64_t now = util::now_us() / 1000000;
  Json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (sa.contains("private_key_id")) header["kid"] = sa["private_key_id"];
  Json claims = {{"iss", sa["client_email"]},
                 {"sub", subject},
                 {"scope", kGoogleMailScope},
                 {"aud", url},
                 {"iat", now},
                 {"exp", now + 3600}};
  std::string assertion;
  try {
    assertion = util::jwt_sign(header.dump(), claims.dump(), sa["private_key"].get<std::string>(),
                               util::JwtAlg::kRs256);
  } catch (const std::exception& e) {
    throw AuthError(key_file + ": " + e.what());
  }
  return request_token(url,
                       "grant_type=" + form_escape("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                           "&assertion=" + assertion,
                       ca_file);
}

std::string TokenCache::get() {
  std::lock_guard<std::mutex> lock(mu_);
  if (token_.access_token.empty() || token_.expires - util::now_us() < 300LL * 1000000) {
    token_ = fetch_();
  }
  return token_.access_token;
}

void TokenCache::invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  token_ = Token{};
}

}  // namespace postjournal::cloud
