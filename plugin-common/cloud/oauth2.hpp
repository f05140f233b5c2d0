// OAuth2 access tokens for the cloud sources (the only code besides graph.cpp that parses
// JSON, through nlohmann/json, private to this module):
//   - the client credentials grant against the Microsoft identity platform
//     (LOGIN_URL/DIRECTORY/oauth2/v2.0/token), with a client secret or a client assertion: a JWT
//     signed RS256 with the app's certificate key, header x5t#S256 = the certificate's SHA-256
//     thumbprint, claims aud = the token endpoint, iss = sub = client id, jti, nbf, iat, exp
//     (10 minutes);
//   - the JWT bearer grant (RFC 7523) of a Google service account with domain-wide delegation:
//     iss = the account, sub = the mailbox, scope, aud = the token endpoint, RS256.
// TokenCache keeps a token until 5 minutes before it expires. Errors: AuthError with the
// endpoint's error code and description (AADSTS... text) or the transport failure; ConfigError-
// like problems (unreadable key files) are AuthError too, naming the file. Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>

#include "config/config.hpp"
#include "util/time.hpp"

namespace postjournal::cloud {

struct AuthError : std::runtime_error {
  AuthError(const std::string& what, std::string code = {})
      : std::runtime_error(what), error(std::move(code)) {}
  std::string error;  // the OAuth2 "error" value ("invalid_client"), empty for transport failures
};

struct Token {
  std::string access_token;
  util::TimeUs expires = 0;
};

// Scopes.
inline constexpr const char* kGraphScope = "/.default";  // appended to graph_url
inline constexpr const char* kExchangeImapScope = "https://outlook.office365.com/.default";
inline constexpr const char* kGoogleMailScope = "https://mail.google.com/";

// One client-credentials request for `scope` with the entry's secret or certificate.
Token microsoft_token(const config::Microsoft365& m, const std::string& scope);
// The token endpoint of an entry: login_url/directory_id/oauth2/v2.0/token.
std::string microsoft_token_url(const config::Microsoft365& m);

// One JWT bearer request with the service account key file (JSON: client_email, private_key,
// token_uri) for mailbox `subject`; token_url overrides the file's token_uri when not empty.
Token google_token(const std::string& key_file, const std::string& token_url,
                   const std::string& subject, const std::string& ca_file = {});

// A token endpoint's answer: the token of a 200 with access_token (expires_in, clamped to a day,
// default an hour), else AuthError with the endpoint's error and error_description.
Token parse_token_response(long status, const std::string& body, const std::string& url);

class TokenCache {
 public:
  explicit TokenCache(std::function<Token()> fetch) : fetch_(std::move(fetch)) {}
  // A valid token, fetched when none is cached or it expires within 5 minutes.
  std::string get();
  // Forgets the cached token (after a 401: it was revoked or the clock is off).
  void invalidate();

 private:
  std::function<Token()> fetch_;
  std::mutex mu_;
  Token token_;
};

}  // namespace postjournal::cloud
