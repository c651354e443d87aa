#include "http_server.hpp"

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "api_models/uuid.hpp"
#include "engine/bounded_executor.hpp"
#include "engine/thread_name.hpp"

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
  Session(tcp::socket socket, const Router& router, api_models::Logger& log,
          engine::BoundedExecutor& waiting)
      : stream_(std::move(socket)), router_(router), log_(log), waiting_(waiting) {}

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
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      // A repeated header reads as its values joined by commas (as SigV4 signs it).
      const std::string value(field.value());
      auto [it, fresh] = req.headers.try_emplace(name, value);
      if (!fresh) it->second.append(",").append(value);
    }
    req.body = std::move(msg.body());
    req.path = req.target.substr(0, req.target.find('?'));
    const bool keep_alive = msg.keep_alive();
    if (!router_.waits(req)) return send(answer(req), keep_alive);
    // Answered on the waiting pool; this connection reads nothing more until then, the others
    // of this thread go on.
    waiting_.submit([self = shared_from_this(), req = std::move(req), keep_alive]() mutable {
      Response res = self->answer(req);
      net::post(self->stream_.get_executor(), [self, res = std::move(res), keep_alive]() mutable {
        self->send(std::move(res), keep_alive);
      });
    });
  }

  // The response to a whole request (any thread: it touches only the router and the log).
  Response answer(Request& req) const {
    const auto q = req.target.find('?');
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
    return res;
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
  engine::BoundedExecutor& waiting_;  // answers the requests of routes that wait
};

}  // namespace

struct IoPool::Impl {
  using Guard = net::executor_work_guard<net::io_context::executor_type>;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<Guard> guards;  // keep a context without connections running until stop()
  std::size_t next = 0;
};

IoPool::IoPool(int threads) : impl_(std::make_unique<Impl>()) {
  for (int i = 0; i < std::max(threads, 1); ++i) {
    impl_->contexts.push_back(std::make_unique<net::io_context>(1));  // one thread each
    impl_->guards.push_back(net::make_work_guard(*impl_->contexts.back()));
  }
}

IoPool::~IoPool() = default;

net::io_context& IoPool::primary() { return *impl_->contexts.front(); }

net::io_context& IoPool::next() {
  auto& ctx = *impl_->contexts[impl_->next];
  impl_->next = (impl_->next + 1) % impl_->contexts.size();
  return ctx;
}

void IoPool::run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->contexts.size(); ++i) {
    threads.emplace_back([ctx = impl_->contexts[i].get()] {
      engine::name_this_thread("esm-http");
      ctx->run();
    });
  }
  impl_->contexts.front()->run();
  for (auto& t : threads) t.join();
}

void IoPool::stop() {
  for (auto& ctx : impl_->contexts) ctx->stop();
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(IoPool& p, const Router& r, api_models::Logger& l, engine::BoundedExecutor& w)
      : pool(p), acceptor(net::make_strand(p.primary())), router(r), log(l), waiting(w) {}
  void accept() {
    acceptor.async_accept(
        pool.next(), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
          if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
          if (!ec) {
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);  // responses are written in pieces
            std::make_shared<Session>(std::move(socket), self->router, self->log, self->waiting)
                ->start();
          }
          self->accept();
        });
  }
  IoPool& pool;
  tcp::acceptor acceptor;
  const Router& router;
  api_models::Logger& log;
  engine::BoundedExecutor& waiting;
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

api_models::Result<std::unique_ptr<HttpServer>> HttpServer::listen(
    IoPool& pool, const std::string& host, unsigned short port, const Router& router,
    api_models::Logger& log, engine::BoundedExecutor& waiting) {
  auto impl = std::make_shared<Impl>(pool, router, log, waiting);
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
