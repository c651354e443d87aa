// The limit the emulator's delivery throughput is measured against: a plain librdkafka consumer
// reading a topic with batch consumption and no per-record work. Used by scripts/bench.
//   esm-raw-consumer BOOTSTRAP TOPIC PARTITIONS RECORDS
// Prints one JSON line: {"records": N, "seconds": S, "records_per_second": R}.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: esm-raw-consumer BOOTSTRAP TOPIC PARTITIONS RECORDS\n");
    return 2;
  }
  const std::string topic = argv[2];
  const int partitions = std::atoi(argv[3]);
  const long long want = std::atoll(argv[4]);
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err);
  rd_kafka_conf_set(
      conf, "group.id",
      ("raw-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()))
          .c_str(),
      err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "false", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) {
    std::fprintf(stderr, "%s\n", err);
    return 1;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  const auto start = std::chrono::steady_clock::now();
  rd_kafka_assign(rk, parts);
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
  std::vector<rd_kafka_message_t*> batch(10000);
  long long got = 0;
  const auto deadline = start + std::chrono::minutes(5);
  while (got < want && std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      if (batch[i]->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++got;
      rd_kafka_message_destroy(batch[i]);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"records\": %lld, \"seconds\": %.3f, \"records_per_second\": %.0f}\n", got,
              seconds, got / seconds);
  rd_kafka_queue_destroy(queue);
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return got >= want ? 0 : 1;
}
