#include "request_guard.hpp"

#include <catch2/catch.hpp>

using esm::server::cross_origin_refusal;
using esm::server::Request;
using esm::server::same_secret;

namespace {

Request request(std::string method, std::map<std::string, std::string> headers) {
  Request r;
  r.method = std::move(method);
  r.path = "/2015-03-31/event-source-mappings/u";
  r.headers = std::move(headers);
  r.headers.emplace("host", "127.0.0.1:4577");
  return r;
}

}  // namespace

TEST_CASE("Cross-origin guard: changes from other origins are refused, reads and SDKs pass",
          "[server][guard]") {
  // What SDKs and CLIs send: neither header.
  CHECK_FALSE(cross_origin_refusal(request("PUT", {})));
  // The dashboard's own calls.
  CHECK_FALSE(cross_origin_refusal(
      request("PUT", {{"origin", "http://127.0.0.1:4577"}, {"sec-fetch-site", "same-origin"}})));
  CHECK_FALSE(cross_origin_refusal(request("POST", {{"sec-fetch-site", "none"}})));
  // Reads are not changes (and no CORS header lets another origin see the answer).
  CHECK_FALSE(cross_origin_refusal(request("GET", {{"origin", "http://evil.example"}})));
  for (const auto& headers : std::vector<std::map<std::string, std::string>>{
           {{"origin", "http://evil.example"}},
           {{"origin", "null"}},
           {{"origin", "http://127.0.0.1:4578"}},
           {{"sec-fetch-site", "cross-site"}},
           {{"sec-fetch-site", "same-site"}, {"origin", "http://127.0.0.1:4577"}}}) {
    for (const char* method : {"PUT", "POST", "DELETE"}) {
      auto refused = cross_origin_refusal(request(method, headers));
      REQUIRE(refused);
      CHECK(refused->code == esm::api_models::ErrorCode::AccessDenied);
    }
  }
}

TEST_CASE("Dashboard token comparison", "[server][guard]") {
  CHECK(same_secret("0123456789abcdef", "0123456789abcdef"));
  CHECK_FALSE(same_secret("0123456789abcdeF", "0123456789abcdef"));
  CHECK_FALSE(same_secret("0123456789abcde", "0123456789abcdef"));
  CHECK_FALSE(same_secret("", ""));
}
