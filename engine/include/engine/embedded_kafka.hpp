#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api_models/error.hpp"

namespace esm::engine {

// librdkafka's in-process mock cluster, for --embedded-kafka and tests. Owned by run() (or a
// test); it serves on an ephemeral loopback port (bootstraps()) until destroyed.
class EmbeddedKafka {
 public:
  static api_models::Result<std::unique_ptr<EmbeddedKafka>> start(int brokers = 1);
  ~EmbeddedKafka();
  EmbeddedKafka(const EmbeddedKafka&) = delete;
  EmbeddedKafka& operator=(const EmbeddedKafka&) = delete;

  // "127.0.0.1:PORT[,...]": the mock brokers' own listeners.
  const std::string& bootstraps() const { return bootstraps_; }
  api_models::Result<api_models::Ok> create_topic(const std::string& name, int partitions);
  // Takes broker `id` (1-based) down or up: connections to it fail meanwhile.
  void set_broker_up(int id, bool up);

 private:
  struct Impl;
  explicit EmbeddedKafka(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string bootstraps_;
};

}  // namespace esm::engine
