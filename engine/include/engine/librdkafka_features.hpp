#pragma once

#include <string>

namespace esm::engine {

// What the librdkafka this binary runs with can do, for the startup log, the API's refusals and
// the mapping's PROBLEM texts. Compile-time features are tested by RD_KAFKA_VERSION; the runtime
// version (rd_kafka_version()) is what is reported, since a newer library may be loaded.
struct LibrdkafkaFeatures {
  std::string version;     // the runtime library's, e.g. "2.0.2"
  std::string built_with;  // the headers' at build time
  bool share_consumer;     // KIP-932 share groups (librdkafka 2.15+): ConsumptionMode Queue
  bool scram_kafka4;       // SCRAM against Kafka 4.x brokers (2.6.1+, librdkafka#4895)
};

LibrdkafkaFeatures librdkafka_features();

// The startup log line: the version and what it lacks.
std::string librdkafka_summary();

// Why CreateEventSourceMapping refuses ConsumptionMode Queue with this build.
std::string queue_mode_refusal();

}  // namespace esm::engine
