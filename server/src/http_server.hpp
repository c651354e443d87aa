#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "api_models/error.hpp"
#include "api_models/log.hpp"
#include "router.hpp"

namespace boost::asio {
class io_context;
}
namespace esm::engine {
class BoundedExecutor;
}

namespace esm::server {

// The io_contexts the HTTP side runs on: one per thread, each run by its thread alone, so that a
// connection's handlers never change threads (with one shared context, the hand-offs between its
// threads cost more than a Get itself). The first also serves the acceptor, the signals and the
// embedded Kafka's proxy. Owned by run(); run() and stop() from any thread.
class IoPool {
 public:
  explicit IoPool(int threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;
  boost::asio::io_context& primary();
  // The context for the next connection, in turn (the acceptor's thread only).
  boost::asio::io_context& next();
  // Runs every context, the first on the calling thread; returns once stop() ended them all.
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The HTTP/1.1 listener: one session per connection, each on one of the pool's contexts, with a
// read timeout, a 6 MB body limit and keep-alive. Accepts on the pool's primary context; owned by
// run(). Requests of routes that wait (Router::Waits) are answered on `waiting`, never on the
// contexts' threads: one would otherwise hold every connection of its thread.
class HttpServer {
 public:
  static api_models::Result<std::unique_ptr<HttpServer>> listen(
      IoPool& pool, const std::string& host, unsigned short port, const Router& router,
      api_models::Logger& log, engine::BoundedExecutor& waiting);
  ~HttpServer();
  unsigned short port() const;
  void stop();  // stops accepting; open sessions end with their next read

 private:
  struct Impl;
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// Forwards every connection accepted at host:port to `target` ("HOST:PORT"), both ways: gives
// the embedded Kafka a fixed bootstrap address. Runs on `ioc`; owned by run().
class TcpProxy {
 public:
  static api_models::Result<std::unique_ptr<TcpProxy>> listen(boost::asio::io_context& ioc,
                                                              const std::string& host,
                                                              unsigned short port,
                                                              const std::string& target);
  ~TcpProxy();
  void stop();

 private:
  struct Impl;
  explicit TcpProxy(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace esm::server
