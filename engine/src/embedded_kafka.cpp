#include "engine/embedded_kafka.hpp"

// clang-format off
#include "kafka_handles.hpp"  // rdkafka.h must come before rdkafka_mock.h
#include <librdkafka/rdkafka_mock.h>
// clang-format on

namespace esm::engine {

using api_models::ApiError;
using api_models::ErrorCode;

struct EmbeddedKafka::Impl {
  KafkaHandle rk;  // owns the mock cluster's threads; declared before the cluster
  struct ClusterDeleter {
    void operator()(rd_kafka_mock_cluster_t* c) const { rd_kafka_mock_cluster_destroy(c); }
  };
  std::unique_ptr<rd_kafka_mock_cluster_t, ClusterDeleter> cluster;
};

EmbeddedKafka::EmbeddedKafka(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  bootstraps_ = rd_kafka_mock_cluster_bootstraps(impl_->cluster.get());
}

EmbeddedKafka::~EmbeddedKafka() {
  if (impl_) impl_->cluster.reset();  // before the handle that runs it
}

api_models::Result<std::unique_ptr<EmbeddedKafka>> EmbeddedKafka::start(int brokers) {
  char err[512];
  KafkaConf conf(rd_kafka_conf_new());
  rd_kafka_conf_set(conf.get(), "log_level", "3", err, sizeof err);
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!rk) return ApiError{ErrorCode::Service, std::string("embedded kafka: ") + err};
  conf.release();  // owned by rk now
  auto impl = std::make_unique<Impl>();
  impl->cluster.reset(rd_kafka_mock_cluster_new(rk.get(), brokers));
  if (!impl->cluster)
    return ApiError{ErrorCode::Service, "embedded kafka: cannot start the mock cluster"};
  impl->rk = std::move(rk);
  return std::unique_ptr<EmbeddedKafka>(new EmbeddedKafka(std::move(impl)));
}

api_models::Result<api_models::Ok> EmbeddedKafka::create_topic(const std::string& name,
                                                               int partitions) {
  const auto err = rd_kafka_mock_topic_create(impl_->cluster.get(), name.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return ApiError{ErrorCode::Service,
                    "embedded kafka: cannot create topic " + name + ": " + rd_kafka_err2str(err)};
  }
  return api_models::Ok{};
}

void EmbeddedKafka::set_broker_up(int id, bool up) {
  if (up) {
    rd_kafka_mock_broker_set_up(impl_->cluster.get(), id);
  } else {
    rd_kafka_mock_broker_set_down(impl_->cluster.get(), id);
  }
}

}  // namespace esm::engine
