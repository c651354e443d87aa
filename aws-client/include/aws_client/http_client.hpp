#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

namespace esm::aws {

// An http:// endpoint: "http://127.0.0.1:4566" or with a path prefix ("http://h:9000/base").
struct HttpEndpoint {
  std::string host;
  std::uint16_t port = 80;
  std::string path_prefix;          // "" or "/base" (no trailing slash)
  std::string host_header() const;  // "host" or "host:port"
};

// Nothing but what http_request() can reach: an error naming what is wrong otherwise (https is
// not built yet).
std::variant<HttpEndpoint, std::string> parse_http_endpoint(const std::string& url);

struct HttpReply {
  int status = 0;
  std::string body;
};

// One HTTP/1.1 request on a connection of its own, `headers` as given (lower-case names; "host"
// among them), bounded by `timeout` from connect to the last byte of the reply. The reply, or why
// there is none.
std::variant<HttpReply, std::string> http_request(const HttpEndpoint& endpoint,
                                                  const std::string& method,
                                                  const std::string& target,
                                                  const std::map<std::string, std::string>& headers,
                                                  const std::string& body,
                                                  std::chrono::milliseconds timeout);

}  // namespace esm::aws
