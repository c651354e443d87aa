#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace esm::server {

// An HTTP request as handlers see it: no Beast types, so only http_server.cpp compiles Beast.
struct Request {
  std::string method;                             // "GET", "POST", ...
  std::string target;                             // raw path and query
  std::string path;                               // raw (percent-encoded) path
  std::multimap<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> headers;     // lower-case names
  std::string body;
  std::string request_id;
  std::vector<std::string> path_params;  // decoded {placeholders}, filled by the router

  const std::string& header(const std::string& lower_name) const {
    static const std::string kEmpty;
    auto it = headers.find(lower_name);
    return it == headers.end() ? kEmpty : it->second;
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

}  // namespace esm::server
