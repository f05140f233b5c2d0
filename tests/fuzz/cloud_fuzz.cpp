// The answers of Microsoft Graph and of OAuth2 token endpoints (cloud/): a delta page and a token
// response parse to a result or to GraphError / AuthError, never anything else, and a delta page
// never yields a link outside graph_url.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cloud/graph.hpp"
#include "cloud/oauth2.hpp"

using namespace postjournal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  const std::string graph = "https://graph.example";
  try {
    cloud::DeltaPage p = cloud::parse_delta(body, graph + "/v1.0/x", graph);
    for (const auto* link : {&p.next_link, &p.delta_link}) {
      if (!link->empty() && link->rfind(graph + "/", 0) != 0) __builtin_trap();
    }
    if (p.next_link.empty() == p.delta_link.empty()) __builtin_trap();
  } catch (const cloud::GraphError&) {
  }
  for (long status : {200L, 400L}) {
    try {
      cloud::Token t = cloud::parse_token_response(status, body, "https://login.example/t");
      if (status != 200 || t.access_token.empty()) __builtin_trap();
    } catch (const cloud::AuthError&) {
    }
  }
  return 0;
}
