#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace esm::aws {

// TLS material held in memory (from secrets; never logged or written to disk): CAs that replace
// the endpoint's trust store, and a client certificate for mutual TLS.
struct TlsMaterial {
  std::string ca_pem;                // "": trust ca_file, or the system's trust store
  std::string certificate_pem;       // "": no client certificate; else the chain, leaf first
  std::string private_key_pem;       // the certificate's key (PEM, PKCS#8 or traditional)
  std::string private_key_password;  // for an encrypted key
  // Names this material among the TLS contexts kept (a hash of it; see make_tls_material).
  std::string fingerprint;
};
std::shared_ptr<const TlsMaterial> make_tls_material(std::string ca_pem,
                                                     std::string certificate_pem,
                                                     std::string private_key_pem,
                                                     std::string private_key_password);

// An http:// or https:// endpoint: "http://127.0.0.1:4566", with a path prefix
// ("http://h:9000/base"), "https://localhost:8443".
struct HttpEndpoint {
  std::string host;
  std::uint16_t port = 80;
  std::string path_prefix;  // "" or "/base" (no trailing slash)
  bool tls = false;         // https: the peer's certificate is verified, always
  std::string ca_file;      // https: the CAs trusted (PEM); "" for the system's trust store
  std::shared_ptr<const TlsMaterial> tls_material;  // https: from secrets; wins over ca_file
  std::string host_header() const;  // "host" or "host:port" (port omitted when the scheme's)
};

// What http_request() can reach, or an error naming what is wrong.
std::variant<HttpEndpoint, std::string> parse_http_endpoint(const std::string& url);

struct HttpReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

// Why there is no reply; `tls` when the TLS handshake failed (a certificate not trusted, a name
// it does not hold), so callers can say so.
struct HttpFailure {
  std::string message;
  bool tls = false;
  bool timed_out = false;
  bool sent = false;  // the request went out before it failed
};

// One HTTP/1.1 request on a connection of its own (over TLS for https, the server's name
// verified against its certificate), `headers` as given (lower-case names; "host" among them),
// bounded by `timeout` from connect to the last byte of the reply and given up when `cancel`
// (if any) becomes true. The reply, or why there is none.
std::variant<HttpReply, HttpFailure> http_exchange(
    const HttpEndpoint& endpoint, const std::string& method, const std::string& target,
    const std::map<std::string, std::string>& headers, const std::string& body,
    std::chrono::milliseconds timeout, const std::atomic<bool>* cancel = nullptr);

// http_exchange with the failure as its message.
std::variant<HttpReply, std::string> http_request(const HttpEndpoint& endpoint,
                                                  const std::string& method,
                                                  const std::string& target,
                                                  const std::map<std::string, std::string>& headers,
                                                  const std::string& body,
                                                  std::chrono::milliseconds timeout);

}  // namespace esm::aws
