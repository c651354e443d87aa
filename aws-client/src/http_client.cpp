#include "aws_client/http_client.hpp"

#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "aws_client/sigv4.hpp"

namespace esm::aws {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string HttpEndpoint::host_header() const {
  return port == (tls ? 443 : 80) ? host : host + ":" + std::to_string(port);
}

std::shared_ptr<const TlsMaterial> make_tls_material(std::string ca_pem,
                                                     std::string certificate_pem,
                                                     std::string private_key_pem,
                                                     std::string private_key_password) {
  auto m = std::make_shared<TlsMaterial>();
  m->fingerprint = sha256_hex(ca_pem + '\0' + certificate_pem + '\0' + private_key_pem + '\0' +
                              private_key_password);
  m->ca_pem = std::move(ca_pem);
  m->certificate_pem = std::move(certificate_pem);
  m->private_key_pem = std::move(private_key_pem);
  m->private_key_password = std::move(private_key_password);
  return m;
}

std::variant<HttpEndpoint, std::string> parse_http_endpoint(const std::string& url) {
  HttpEndpoint e;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    e.tls = true;
    e.port = 443;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return "not an http:// or https:// URL: " + url;
  }
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

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSlice = std::chrono::milliseconds(50);  // how often `cancel` is looked at

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  (void)net::ip::make_address(host, ec);
  return !ec;
}

// The TLS settings of an https endpoint: its CAs (the material's, else the CA file's, else the
// system's), peer verification, a client certificate if the material has one; or why they
// cannot be had (never quoting the material).
std::optional<std::string> configure_tls(net::ssl::context& ctx, const std::string& ca_file,
                                         const TlsMaterial* material) {
  beast::error_code ec;
  if (material != nullptr && !material->ca_pem.empty()) {
    ctx.add_certificate_authority(net::buffer(material->ca_pem), ec);
    if (ec) return "cannot load the root CA certificate from the secret: " + ec.message();
  } else if (ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.load_verify_file(ca_file, ec);
  }
  if (ec) {
    return "cannot load " +
           (ca_file.empty() ? std::string("the system's trust store") : "the CA file " + ca_file) +
           ": " + ec.message();
  }
  ctx.set_verify_mode(net::ssl::verify_peer);
  if (material == nullptr || material->certificate_pem.empty()) return std::nullopt;
  ctx.use_certificate_chain(net::buffer(material->certificate_pem), ec);
  if (ec) return "cannot use the client certificate from the secret: " + ec.message();
  const std::string password = material->private_key_password;
  ctx.set_password_callback(
      [password](std::size_t, net::ssl::context::password_purpose) { return password; });
  ctx.use_private_key(net::buffer(material->private_key_pem), net::ssl::context::pem, ec);
  if (ec) return "cannot use the private key from the secret: " + ec.message();
  return std::nullopt;
}

// One client context per trust (CA file, "" for the system's trust store, or in-memory material)
// and thread, built once: loading a trust store parses every certificate in it, too slow to do
// per request (about 43 ms for Debian's bundle). Per thread, not shared: two threads verifying
// against one context's store at once raced inside libcrypto under ThreadSanitizer
// (ASN1_STRING_cmp, CI), and a thread makes one connection at a time. A CA file changed on disk
// (another modification time) is loaded again; a failed load is not kept.
std::variant<std::shared_ptr<net::ssl::context>, std::string> tls_context(
    const std::string& ca_file, const TlsMaterial* material) {
  thread_local std::map<std::string, std::pair<std::int64_t, std::shared_ptr<net::ssl::context>>>
      cache;
  struct stat st {};
  const std::int64_t mtime =
      !ca_file.empty() && stat(ca_file.c_str(), &st) == 0
          ? static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec
          : 0;
  const std::string key = material ? "material:" + material->fingerprint : ca_file;
  if (auto it = cache.find(key); it != cache.end() && it->second.first == mtime)
    return it->second.second;
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  if (auto why = configure_tls(*ctx, ca_file, material)) return *why;
  cache[key] = {mtime, ctx};
  return ctx;
}

// The TLS context of an https endpoint (its CAs and client certificate), or one that is never
// used for plain http (the stream type is the same either way). Why not, when it cannot be made.
std::variant<std::shared_ptr<net::ssl::context>, std::string> client_context(
    const HttpEndpoint& endpoint) {
  if (endpoint.tls) return tls_context(endpoint.ca_file, endpoint.tls_material.get());
  static net::ssl::context plain(net::ssl::context::tls_client);  // never handshakes
  return std::shared_ptr<net::ssl::context>(&plain, [](net::ssl::context*) {});
}

// SNI for names (not for addresses, as RFC 6066 says), and the name checked by OpenSSL's own
// verification against the certificate's subjectAltName (DNS or IP), so a mismatch reads as one
// in the verify result.
void expect_server_name(SSL* ssl, const std::string& host) {
  if (is_ip_literal(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set1_host(ssl, host.c_str());
  }
}

// The response with its header names in lower case.
HttpReply reply_of(http::response<http::string_body>& res) {
  HttpReply reply{static_cast<int>(res.result_int()), std::move(res.body()), {}};
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

}  // namespace

std::variant<HttpReply, HttpFailure> http_exchange(
    const HttpEndpoint& endpoint, const std::string& method, const std::string& target,
    const std::map<std::string, std::string>& headers, const std::string& body,
    std::chrono::milliseconds timeout, const std::atomic<bool>* cancel) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();

  net::io_context io;
  auto found = client_context(endpoint);
  if (auto* why = std::get_if<std::string>(&found)) return HttpFailure{*why, true};
  const auto ctx = std::get<0>(std::move(found));
  beast::ssl_stream<beast::tcp_stream> tls_stream(io, *ctx);
  beast::tcp_stream& stream = beast::get_lowest_layer(tls_stream);
  if (endpoint.tls) expect_server_name(tls_stream.native_handle(), endpoint.host);
  tcp::resolver resolver(io);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  HttpFailure failure;
  bool done = false;
  auto failed = [&](const char* what, beast::error_code ec) {
    failure.message = std::string(what) + " " + endpoint.host_header() + ": " + ec.message();
    failure.timed_out = ec == beast::error::timeout;
    done = true;
  };
  auto exchange = [&](auto& s) {
    http::async_write(s, req, [&](beast::error_code ec, std::size_t) {
      if (ec) return failed("cannot send to", ec);
      failure.sent = true;
      http::async_read(s, buffer, parser, [&](beast::error_code ec2, std::size_t) {
        if (ec2) return failed("no answer from", ec2);
        done = true;
      });
    });
  };
  // Every step under one deadline: the stream's expiry covers connect, handshake, write, read.
  stream.expires_after(timeout);
  resolver.async_resolve(
      endpoint.host, std::to_string(endpoint.port),
      [&](beast::error_code ec, const tcp::resolver::results_type& results) {
        if (ec) return failed("cannot resolve", ec);
        stream.async_connect(results, [&](beast::error_code ec2, const tcp::endpoint&) {
          if (ec2) return failed("cannot connect to", ec2);
          beast::error_code ignored;
          stream.socket().set_option(tcp::no_delay(true), ignored);
          if (!endpoint.tls) return exchange(stream);
          tls_stream.async_handshake(net::ssl::stream_base::client, [&](beast::error_code ec3) {
            if (!ec3) return exchange(tls_stream);
            failed("TLS handshake with", ec3);
            failure.tls = true;
            const long verdict = SSL_get_verify_result(tls_stream.native_handle());
            if (verdict != X509_V_OK)
              failure.message += std::string(" (") + X509_verify_cert_error_string(verdict) + ")";
          });
        });
      });
  const auto deadline = Clock::now() + timeout + std::chrono::seconds(1);
  while (!done && !io.stopped()) {  // bounded by the deadline
    if (cancel != nullptr && cancel->load()) return HttpFailure{"cancelled", false, false, false};
    if (Clock::now() > deadline) break;
    io.run_for(kSlice);
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (!done) {
    failure.message = "no answer from " + endpoint.host_header() + " within the timeout";
    failure.timed_out = true;
  }
  if (!failure.message.empty()) return failure;
  return reply_of(parser.get());
}

std::variant<HttpReply, std::string> http_request(const HttpEndpoint& endpoint,
                                                  const std::string& method,
                                                  const std::string& target,
                                                  const std::map<std::string, std::string>& headers,
                                                  const std::string& body,
                                                  std::chrono::milliseconds timeout) {
  auto got = http_exchange(endpoint, method, target, headers, body, timeout);
  if (auto* failure = std::get_if<HttpFailure>(&got)) return std::move(failure->message);
  return std::get<HttpReply>(std::move(got));
}

}  // namespace esm::aws
