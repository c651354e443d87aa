#include "engine/librdkafka_features.hpp"

#include <librdkafka/rdkafka.h>

namespace esm::engine {

namespace {

// RD_KAFKA_VERSION and rd_kafka_version() are 0xMMmmrrxx.
constexpr int kShareConsumer = 0x020f0000;  // 2.15.0
constexpr int kScramKafka4 = 0x02060100;    // 2.6.1

std::string dotted(int v) {
  return std::to_string((v >> 24) & 0xff) + "." + std::to_string((v >> 16) & 0xff) + "." +
         std::to_string((v >> 8) & 0xff);
}

}  // namespace

LibrdkafkaFeatures librdkafka_features() {
  const int runtime = rd_kafka_version();
  LibrdkafkaFeatures f;
  f.version = rd_kafka_version_str();
  f.built_with = dotted(RD_KAFKA_VERSION);
  f.share_consumer = runtime >= kShareConsumer;
  f.scram_kafka4 = runtime >= kScramKafka4;
  return f;
}

std::string librdkafka_summary() {
  const auto f = librdkafka_features();
  std::string out = "librdkafka " + f.version + " (built with " + f.built_with + ")";
  std::string lacks;
  if (!f.scram_kafka4) lacks += "SCRAM logins to Kafka 4.x brokers (needs 2.6.1)";
  if (!f.share_consumer) {
    lacks += std::string(lacks.empty() ? "" : ", ") + "share groups (ConsumptionMode Queue, 2.15)";
  }
  if (!lacks.empty()) out += "; cannot do: " + lacks;
  return out;
}

std::string queue_mode_refusal() {
  const auto f = librdkafka_features();
  if (!f.share_consumer) {
    return "ConsumptionMode Queue is not supported here: it consumes through a Kafka share group "
           "(Kafka 4.2+), which needs librdkafka's share consumer (librdkafka 2.15 or later); "
           "this emulator runs with librdkafka " +
           f.version + ". Use ConsumptionMode Stream.";
  }
  return "ConsumptionMode Queue is not supported by esm-emulator yet (it does not drive "
         "librdkafka " +
         f.version + "'s share consumer). Use ConsumptionMode Stream.";
}

}  // namespace esm::engine
