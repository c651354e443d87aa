#include "aws_client/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace esm::aws {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string HttpEndpoint::host_header() const {
  return port == 80 ? host : host + ":" + std::to_string(port);
}

std::variant<HttpEndpoint, std::string> parse_http_endpoint(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind("https://", 0) == 0)
    return "https endpoints are not supported yet (give an http:// URL): " + url;
  if (url.rfind(kScheme, 0) != 0) return "not an http:// URL: " + url;
  std::string rest = url.substr(kScheme.size());
  HttpEndpoint e;
  const auto slash = rest.find('/');
  if (slash != std::string::npos) {
    e.path_prefix = rest.substr(slash);
    rest.resize(slash);
    while (!e.path_prefix.empty() && e.path_prefix.back() == '/') e.path_prefix.pop_back();
  }
  const auto colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    rest.resize(colon);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
        std::stoi(port) > 65535) {
      return "no valid port in " + url;
    }
    e.port = static_cast<std::uint16_t>(std::stoi(port));
  }
  if (rest.empty()) return "no host in " + url;
  e.host = rest;
  return e;
}

std::variant<HttpReply, std::string> http_request(const HttpEndpoint& endpoint,
                                                  const std::string& method,
                                                  const std::string& target,
                                                  const std::map<std::string, std::string>& headers,
                                                  const std::string& body,
                                                  std::chrono::milliseconds timeout) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();

  net::io_context io;
  beast::tcp_stream stream(io);
  tcp::resolver resolver(io);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  std::string error;
  auto failed = [&](const char* what, beast::error_code ec) {
    error = std::string(what) + " " + endpoint.host_header() + ": " + ec.message();
  };
  // Every step under one deadline: the stream's expiry covers connect, write and read.
  stream.expires_after(timeout);
  resolver.async_resolve(
      endpoint.host, std::to_string(endpoint.port),
      [&](beast::error_code ec, const tcp::resolver::results_type& results) {
        if (ec) return failed("cannot resolve", ec);
        stream.async_connect(results, [&](beast::error_code ec2, const tcp::endpoint&) {
          if (ec2) return failed("cannot connect to", ec2);
          http::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
            if (ec3) return failed("cannot send to", ec3);
            http::async_read(stream, buffer, res, [&](beast::error_code ec4, std::size_t) {
              if (ec4) return failed("no answer from", ec4);
            });
          });
        });
      });
  io.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (!error.empty()) return error;
  return HttpReply{static_cast<int>(res.result_int()), std::move(res.body())};
}

}  // namespace esm::aws
