#include "http_server.hpp"

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <chrono>
#include <optional>

#include "api_models/uuid.hpp"

namespace esm::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kBodyLimit = 6 * 1024 * 1024;
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr auto kReadTimeout = std::chrono::seconds(30);
constexpr auto kWriteTimeout = std::chrono::seconds(30);

bool acceptable_content_type(const std::string& type) {
  if (type.empty()) return true;
  return type.find("json") != std::string::npos || type.find("octet-stream") != std::string::npos;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Router& router, api_models::Logger& log)
      : stream_(std::move(socket)), router_(router), log_(log) {}

  void start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::read, shared_from_this()));
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(kReadTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::eof ||
        ec == net::error::operation_aborted) {
      return close();
    }
    Request req;
    req.request_id = api_models::random_uuid();
    if (ec) {
      // A broken HTTP stream: say why once, then close the connection.
      const bool too_large = ec == http::error::body_limit;
      const api_models::ApiError error =
          too_large
              ? api_models::ApiError{api_models::ErrorCode::RequestTooLarge,
                                     "Request must be smaller than 6291456 bytes for the operation"}
              : api_models::ApiError{api_models::ErrorCode::InvalidRequestContent,
                                     "Malformed HTTP request: " + ec.message()};
      return send(error_response(error, req), false, /*drain=*/too_large);
    }
    auto& msg = parser_->get();
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    const auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      // A repeated header reads as its values joined by commas (as SigV4 signs it).
      const std::string value(field.value());
      auto [it, fresh] = req.headers.try_emplace(name, value);
      if (!fresh) it->second.append(",").append(value);
    }
    req.body = std::move(msg.body());
    const bool keep_alive = msg.keep_alive();
    Response res;
    try {
      if (q != std::string::npos &&
          !parse_query(std::string_view(req.target).substr(q + 1), req.query)) {
        res = error_response(
            {api_models::ErrorCode::InvalidRequestContent,
             "Malformed query string: bad percent-encoding or more than 100 parameters"},
            req);
      } else if (req.path.empty() || req.path.front() != '/') {
        res = error_response(
            {api_models::ErrorCode::UnknownOperation, "No operation matches " + req.target}, req);
      } else if (!req.body.empty() && !acceptable_content_type(req.header("content-type"))) {
        res = error_response({api_models::ErrorCode::UnsupportedMediaType,
                              "The content type " + req.header("content-type") +
                                  " is not supported; send application/json"},
                             req);
      } else {
        res = router_.dispatch(req);
      }
    } catch (const std::exception& e) {
      log_.error("", "request " + req.request_id + " " + req.method + " " + req.path +
                         " failed: " + e.what());
      res = error_response({api_models::ErrorCode::Service, "An internal error occurred."}, req);
    }
    log_.debug("", req.method + " " + req.path + " -> " + std::to_string(res.status) + " " +
                       req.request_id);
    send(std::move(res), keep_alive);
  }

  // drain: after answering, read and discard what the client still sends (up to a bound) before
  // closing, so a client that writes its whole oversized body first can still read the 413.
  void send(Response res, bool keep_alive, bool drain = false) {
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(11);
    out->result(static_cast<unsigned>(res.status));
    out->set(http::field::server, "esm-emulator");
    for (auto& [k, v] : res.headers) out->set(k, v);
    out->body() = std::move(res.body);
    out->keep_alive(keep_alive);
    out->prepare_payload();
    stream_.expires_after(kWriteTimeout);
    http::async_write(
        stream_, *out,
        [self = shared_from_this(), out, keep_alive, drain](beast::error_code ec, std::size_t) {
          if (!ec && drain) return self->discard(0);
          if (ec || !keep_alive) return self->close();
          self->read();
        });
  }

  void discard(std::size_t so_far) {
    constexpr std::size_t kMaxDrain = 64u << 20;
    if (so_far > kMaxDrain) return close();
    stream_.expires_after(std::chrono::seconds(5));
    stream_.async_read_some(net::buffer(drain_buf_), [self = shared_from_this(), so_far](
                                                         beast::error_code ec, std::size_t n) {
      if (ec) return self->close();
      self->discard(so_far + n);
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 65536> drain_buf_{};
  const Router& router_;
  api_models::Logger& log_;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(net::io_context& io, const Router& r, api_models::Logger& l)
      : ioc(io), acceptor(net::make_strand(io)), router(r), log(l) {}
  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [self = shared_from_this()](beast::error_code ec,
                                                                             tcp::socket socket) {
      if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
      if (!ec) {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // responses are written in pieces
        std::make_shared<Session>(std::move(socket), self->router, self->log)->start();
      }
      self->accept();
    });
  }
  net::io_context& ioc;
  tcp::acceptor acceptor;
  const Router& router;
  api_models::Logger& log;
};

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { stop(); }

namespace {
template <typename Acceptor>
api_models::Result<api_models::Ok> open_acceptor(Acceptor& acceptor, const std::string& host,
                                                 unsigned short port, const std::string& what) {
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec)
    return api_models::ApiError{api_models::ErrorCode::Service,
                                what + ": '" + host + "' is not an IP address"};
  const tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return api_models::ApiError{
        api_models::ErrorCode::Service,
        what + ": cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message()};
  }
  return api_models::Ok{};
}
}  // namespace

api_models::Result<std::unique_ptr<HttpServer>> HttpServer::listen(net::io_context& ioc,
                                                                   const std::string& host,
                                                                   unsigned short port,
                                                                   const Router& router,
                                                                   api_models::Logger& log) {
  auto impl = std::make_shared<Impl>(ioc, router, log);
  if (auto r = open_acceptor(impl->acceptor, host, port, "--listen"); !r.ok()) return r.error();
  impl->accept();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

unsigned short HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::stop() {
  net::post(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
}

// ---- TcpProxy ----

namespace {

class ProxyLink : public std::enable_shared_from_this<ProxyLink> {
 public:
  explicit ProxyLink(tcp::socket client)
      : client_(std::move(client)), upstream_(client_.get_executor()) {}
  void start(const tcp::endpoint& target) {
    upstream_.async_connect(target, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->close();
      self->pump(self->client_, self->upstream_, self->up_buf_);
      self->pump(self->upstream_, self->client_, self->down_buf_);
    });
  }

 private:
  void pump(tcp::socket& from, tcp::socket& to, std::array<char, 65536>& buf) {
    from.async_read_some(net::buffer(buf), [self = shared_from_this(), &from, &to, &buf](
                                               beast::error_code ec, std::size_t n) {
      if (ec) return self->close();
      net::async_write(to, net::buffer(buf.data(), n),
                       [self, &from, &to, &buf](beast::error_code ec2, std::size_t) {
                         if (ec2) return self->close();
                         self->pump(from, to, buf);
                       });
    });
  }
  void close() {
    beast::error_code ignored;
    client_.close(ignored);
    upstream_.close(ignored);
  }
  tcp::socket client_;
  tcp::socket upstream_;
  std::array<char, 65536> up_buf_{};
  std::array<char, 65536> down_buf_{};
};

}  // namespace

struct TcpProxy::Impl : std::enable_shared_from_this<TcpProxy::Impl> {
  explicit Impl(net::io_context& io) : ioc(io), acceptor(net::make_strand(io)) {}
  void accept() {
    acceptor.async_accept(net::make_strand(ioc),
                          [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                            if (ec == net::error::operation_aborted || !self->acceptor.is_open())
                              return;
                            if (!ec)
                              std::make_shared<ProxyLink>(std::move(socket))->start(self->target);
                            self->accept();
                          });
  }
  net::io_context& ioc;
  tcp::acceptor acceptor;
  tcp::endpoint target;
};

TcpProxy::TcpProxy(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpProxy::~TcpProxy() { stop(); }

api_models::Result<std::unique_ptr<TcpProxy>> TcpProxy::listen(net::io_context& ioc,
                                                               const std::string& host,
                                                               unsigned short port,
                                                               const std::string& target) {
  auto impl = std::make_shared<Impl>(ioc);
  const auto colon = target.rfind(':');
  beast::error_code ec;
  const auto address = net::ip::make_address(target.substr(0, colon), ec);
  if (ec || colon == std::string::npos) {
    return api_models::ApiError{api_models::ErrorCode::Service,
                                "embedded kafka: bad broker address " + target};
  }
  impl->target =
      tcp::endpoint(address, static_cast<unsigned short>(std::stoi(target.substr(colon + 1))));
  if (auto r = open_acceptor(impl->acceptor, host, port, "--embedded-kafka"); !r.ok())
    return r.error();
  impl->accept();
  return std::unique_ptr<TcpProxy>(new TcpProxy(std::move(impl)));
}

void TcpProxy::stop() {
  net::post(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
}

}  // namespace esm::server
