#pragma once

#include <memory>
#include <string>

#include "api_models/error.hpp"
#include "api_models/log.hpp"
#include "router.hpp"

namespace boost::asio {
class io_context;
}

namespace esm::server {

// The HTTP/1.1 listener: one session per connection, each on its own strand, with a read
// timeout, a 6 MB body limit and keep-alive. Runs on the io_context it is given; owned by run().
class HttpServer {
 public:
  static api_models::Result<std::unique_ptr<HttpServer>> listen(boost::asio::io_context& ioc,
                                                                const std::string& host,
                                                                unsigned short port,
                                                                const Router& router,
                                                                api_models::Logger& log);
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
