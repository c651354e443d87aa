// The limit the emulator's delivery throughput is measured against: a plain librdkafka consumer
// reading a topic with batch consumption and no per-record work. Used by scripts/bench.
//   esm-raw-consumer BOOTSTRAP TOPIC PARTITIONS RECORDS [--per-partition] [PROPERTY=VALUE...]
// Every partition is assigned from the beginning (no group join). By default the records are
// taken in batches from the consumer queue; --per-partition takes them from each partition's own
// queue in turn (as the emulator does). PROPERTY=VALUE pairs are librdkafka settings (fetch
// sizes, say), so that scripts/bench can try the variants and keep the fastest.
// Prints one JSON line: {"records": N, "seconds": S, "records_per_second": R,
// "steady_records_per_second": T}, T the rate between 5 % and 95 % of the records (without
// the connection and the first fetch), as scripts/bench measures the emulator's.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
  bool per_partition = false;
  std::vector<std::pair<std::string, std::string>> properties;
};

using Clock = std::chrono::steady_clock;

struct Progress {
  long long got = 0;
  Clock::time_point at_5_percent{};
  Clock::time_point at_95_percent{};
};

// Records taken, up to `want`, within five minutes.
Progress consume(rd_kafka_t* rk, const std::vector<rd_kafka_queue_t*>& queues, long long want) {
  std::vector<rd_kafka_message_t*> batch(10000);
  Progress progress;
  long long& got = progress.got;
  const auto deadline = Clock::now() + std::chrono::minutes(5);
  while (got < want && Clock::now() < deadline) {
    for (rd_kafka_queue_t* queue : queues) {
      // One queue: wait for records; several: take what each has, and yield to the client's
      // threads only when none had any.
      const int wait_ms = queues.size() == 1 ? 100 : 0;
      const ssize_t n = rd_kafka_consume_batch_queue(queue, wait_ms, batch.data(), batch.size());
      for (ssize_t i = 0; i < n; ++i) {
        if (batch[i]->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++got;
        rd_kafka_message_destroy(batch[i]);
      }
      if (progress.at_5_percent == Clock::time_point{} && got * 20 >= want) {
        progress.at_5_percent = Clock::now();
      }
      if (progress.at_95_percent == Clock::time_point{} && got * 20 >= want * 19) {
        progress.at_95_percent = Clock::now();
      }
    }
    if (queues.size() > 1) rd_kafka_poll(rk, 0);
  }
  return progress;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: esm-raw-consumer BOOTSTRAP TOPIC PARTITIONS RECORDS [--per-partition] "
                 "[PROPERTY=VALUE...]\n");
    return 2;
  }
  const std::string topic = argv[2];
  const int partitions = std::atoi(argv[3]);
  const long long want = std::atoll(argv[4]);
  Options options;
  for (int i = 5; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--per-partition") {
      options.per_partition = true;
    } else if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      options.properties.emplace_back(arg.substr(0, eq), arg.substr(eq + 1));
    }
  }
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
  for (const auto& [name, value] : options.properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "%s\n", err);
      return 2;
    }
  }
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
  std::vector<rd_kafka_queue_t*> queues;
  if (options.per_partition) {
    for (int p = 0; p < partitions; ++p) {
      rd_kafka_queue_t* q = rd_kafka_queue_get_partition(rk, topic.c_str(), p);
      rd_kafka_queue_forward(q, nullptr);  // its records stay in its own queue
      queues.push_back(q);
    }
  } else {
    queues.push_back(rd_kafka_queue_get_consumer(rk));
  }
  const auto start = Clock::now();
  rd_kafka_assign(rk, parts);
  const Progress progress = consume(rk, queues, want);
  const long long got = progress.got;
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double steady_seconds =
      std::chrono::duration<double>(progress.at_95_percent - progress.at_5_percent).count();
  const double steady = steady_seconds > 0 ? static_cast<double>(want) * 0.9 / steady_seconds
                                           : static_cast<double>(got) / seconds;
  std::printf(
      "{\"records\": %lld, \"seconds\": %.3f, \"records_per_second\": %.0f, "
      "\"steady_records_per_second\": %.0f}\n",
      got, seconds, static_cast<double>(got) / seconds, steady);
  for (rd_kafka_queue_t* q : queues) rd_kafka_queue_destroy(q);
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return got >= want ? 0 : 1;
}
