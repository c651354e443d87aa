#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api_models/error.hpp"
#include "http_types.hpp"

namespace esm::server {

// Maps (method, path pattern) to a handler. Patterns are literal segments and {NAME}
// placeholders matching one non-empty segment (percent-decoded into Request::path_params).
// A trailing slash is accepted where the pattern has none. Unknown path: 404; known path with
// another method: 405; both as AWS-shaped JSON errors.
class Router {
 public:
  using Handler = std::function<Response(Request&)>;
  // Runs before any route (authentication): a response stops the request there.
  using Guard = std::function<std::optional<Response>(const Request&)>;
  // Whether a route's handler waits on something outside the process (a function's answer, the
  // Kafka cluster): such requests are answered off the HTTP threads, so they hold none of them.
  enum class Waits { No, Yes };
  void add(std::string method, std::string pattern, Handler handler, Waits waits = Waits::No);
  // The request goes to a route that waits (false for every other, unknown routes included).
  bool waits(const Request& request) const;
  void set_guard(Guard guard) { guard_ = std::move(guard); }
  Response dispatch(Request& request) const;

 private:
  Guard guard_;
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    Waits waits = Waits::No;
  };
  std::vector<Route> routes_;
};

// Percent-decodes one path segment or query component; false on a malformed escape.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);

// Splits "a=1&b=2" into decoded pairs; false on a malformed escape or more than 100 pairs.
bool parse_query(std::string_view query, std::multimap<std::string, std::string>& out);

Response error_response(const api_models::ApiError& error, const Request& request);
Response json_response(int status, std::string body, const Request& request);
Response no_content_response(const Request& request);  // 204: request id, no body

}  // namespace esm::server
