#include "router.hpp"

#include "api_models/error.hpp"

namespace esm::server {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 1;  // skip the leading '/'
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      out.emplace_back(path.substr(start, i - start));
      start = i + 1;
    }
  }
  if (!out.empty() && out.back().empty()) out.pop_back();  // trailing slash
  return out;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex(in[i + 1]);
      const int lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (plus_is_space && in[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(in[i]);
    }
  }
  return true;
}

bool parse_query(std::string_view query, std::multimap<std::string, std::string>& out) {
  constexpr std::size_t kMaxPairs = 100;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= query.size(); ++i) {
    if (i != query.size() && query[i] != '&') continue;
    const auto part = query.substr(start, i - start);
    start = i + 1;
    if (part.empty()) continue;
    if (out.size() >= kMaxPairs) return false;
    const auto eq = part.find('=');
    std::string key;
    std::string value;
    if (!percent_decode(part.substr(0, eq), key, true)) return false;
    if (eq != std::string_view::npos && !percent_decode(part.substr(eq + 1), value, true))
      return false;
    out.emplace(std::move(key), std::move(value));
  }
  return true;
}

void Router::add(std::string method, std::string pattern, Handler handler, Waits waits) {
  routes_.push_back(Route{std::move(method), split_path(pattern), std::move(handler), waits});
}

bool Router::waits(const Request& request) const {
  std::optional<std::vector<std::string>> segments;  // split only if a waiting route may match
  for (const auto& route : routes_) {
    if (route.waits == Waits::No || route.method != request.method) continue;
    if (!segments) segments = split_path(request.path);
    if (route.segments.size() != segments->size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < segments->size() && match; ++i) {
      const auto& want = route.segments[i];
      const bool placeholder = want.size() > 2 && want.front() == '{' && want.back() == '}';
      match = placeholder ? !(*segments)[i].empty() : want == (*segments)[i];
    }
    if (match) return true;
  }
  return false;
}

Response Router::dispatch(Request& request) const {
  if (guard_) {
    if (auto refused = guard_(request)) return std::move(*refused);
  }
  const auto segments = split_path(request.path);
  bool path_known = false;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      const auto& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        std::string decoded;
        if (segments[i].empty() || !percent_decode(segments[i], decoded, false)) {
          match = false;
        } else {
          params.push_back(std::move(decoded));
        }
      } else {
        match = want == segments[i];
      }
    }
    if (!match) continue;
    path_known = true;
    if (route.method != request.method) continue;
    request.path_params = std::move(params);
    return route.handler(request);
  }
  if (path_known) {
    return error_response({api_models::ErrorCode::MethodNotAllowed,
                           "The method " + request.method + " is not allowed on " + request.path},
                          request);
  }
  return error_response({api_models::ErrorCode::UnknownOperation,
                         "No operation matches " + request.method + " " + request.path},
                        request);
}

Response error_response(const api_models::ApiError& error, const Request& request) {
  const auto info = api_models::error_info(error.code);
  Response r;
  r.status = info.http_status;
  r.headers.emplace_back("X-Amzn-ErrorType", std::string(info.aws_type));
  r.headers.emplace_back("x-amzn-RequestId", request.request_id);
  r.headers.emplace_back("Content-Type", "application/json");
  if (error.code == api_models::ErrorCode::TooManyRequests)
    r.headers.emplace_back("Retry-After", "1");
  r.body = api_models::error_body(error);
  return r;
}

Response no_content_response(const Request& request) {
  Response r;
  r.status = 204;
  r.headers.emplace_back("x-amzn-RequestId", request.request_id);
  return r;
}

Response json_response(int status, std::string body, const Request& request) {
  Response r;
  r.status = status;
  r.headers.emplace_back("x-amzn-RequestId", request.request_id);
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

}  // namespace esm::server
