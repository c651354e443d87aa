#include "partition_buffer.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

using namespace esm::engine;

namespace {

// Ten real records (offsets 0..9, values "v0".."v9") of partition 0 of topic "t", from a
// librdkafka mock cluster: a PartitionBuffer holds librdkafka's own messages.
class TenRecords {
 public:
  TenRecords() {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof err);
    producer_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err));
    REQUIRE(producer_);
    for (int i = 0; i < 10; ++i) {
      const std::string value = "v" + std::to_string(i);
      REQUIRE(rd_kafka_producev(producer_.get(), RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    REQUIRE(rd_kafka_flush(producer_.get(), 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    const char* bootstraps =
        rd_kafka_mock_cluster_bootstraps(rd_kafka_handle_mock_cluster(producer_.get()));
    rd_kafka_conf_t* cconf = rd_kafka_conf_new();
    rd_kafka_conf_set(cconf, "bootstrap.servers", bootstraps, err, sizeof err);
    rd_kafka_conf_set(cconf, "group.id", "g", err, sizeof err);
    consumer_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err));
    REQUIRE(consumer_);
    KafkaPartitionList parts(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(parts.get(), "t", 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    REQUIRE(rd_kafka_assign(consumer_.get(), parts.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int polls = 0; polls < 200 && messages.size() < 10; ++polls) {
      KafkaMessage m(rd_kafka_consumer_poll(consumer_.get(), 100));
      if (m && m->err == RD_KAFKA_RESP_ERR_NO_ERROR) messages.push_back(std::move(m));
    }
    REQUIRE(messages.size() == 10);
  }
  ~TenRecords() {
    messages.clear();
    rd_kafka_consumer_close(consumer_.get());
  }
  std::vector<KafkaMessage> messages;

 private:
  KafkaHandle producer_;
  KafkaHandle consumer_;
};

// The buffer's records' offsets, front first.
std::vector<std::int64_t> offsets(const PartitionBuffer& p) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < p.size(); ++i) out.push_back(p.at(i)->offset);
  return out;
}

// The first `n` records of `p` taken into a batch (as take_batch does), sent as one event.
std::unique_ptr<Batch> send_front(PartitionBuffer& p, std::size_t n) {
  auto b = std::make_unique<Batch>();
  for (std::size_t i = 0; i < n; ++i) {
    auto taken = p.take_front();
    if (taken.event) b->earlier_events.push_back(taken.event);  // the view's text lies in it
    bool no_headers = taken.no_headers;
    b->views.push_back(taken.view ? *taken.view : record_view(taken.msg.get(), "t", no_headers));
    b->messages.push_back(std::move(taken.msg));
    b->decoded.push_back(std::move(taken.decoded));
  }
  std::vector<esm::api_models::RecordSpan> spans;
  auto event = std::make_shared<const std::string>(
      esm::api_models::kafka_event_json({std::nullopt, "b"}, b->views, &spans));
  b->sent(std::move(event), spans);
  return b;
}

}  // namespace

TEST_CASE(
    "partition buffer: a retained batch's last records come first, in order, and leave in order",
    "[engine][buffer]") {
  TenRecords records;
  PartitionBuffer p;
  std::size_t all_bytes = 0;
  for (auto& m : records.messages) {
    all_bytes += m->len + m->key_len;
    p.push_back(std::move(m));
  }
  auto batch = send_front(p, 6);  // 0..5 in flight; 0 and 1 delivered, 2..5 failed
  p.retain(std::move(batch), 2);
  CHECK(p.retained() == 4);
  CHECK(offsets(p) == std::vector<std::int64_t>{2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(p.bytes() == all_bytes - 2 * 2);  // "v0" and "v1" left
  CHECK(p.index_of(4) == 2);
  CHECK(p.index_of(7) == 5);
  CHECK(p.index_of(42) == 8);
  CHECK(p.done_up_to() == 2);
  // The retried records carry their objects' text from the event they went in.
  const auto v = p.view(1, "t");
  CHECK(v.offset == 3);
  CHECK(v.encoded.find("\"offset\":3,") != std::string_view::npos);
  CHECK(v.encoded.front() == '{');
  // Taken one by one (a bisected half), then the rest whole.
  CHECK(p.take_front().msg->offset == 2);
  auto rest = p.take_retained();
  CHECK(rest->size() == 3);
  CHECK((*rest->records_begin())->offset == 3);
  CHECK(rest->record_views().front().offset == 3);
  CHECK(rest->record_views().size() == 3);
  CHECK(p.retained() == 0);
  CHECK(offsets(p) == std::vector<std::int64_t>{6, 7, 8, 9});
  CHECK(p.bytes() == 4 * 2);
}

TEST_CASE(
    "partition buffer: records put back, or changed, in front of a retained batch keep the "
    "offset order",
    "[engine][buffer]") {
  TenRecords records;
  PartitionBuffer p;
  for (auto& m : records.messages) p.push_back(std::move(m));
  p.retain(send_front(p, 6), 1);  // 1..5 retained
  auto half = send_front(p, 2);   // 1 and 2 sent again
  CHECK(offsets(p) == std::vector<std::int64_t>{3, 4, 5, 6, 7, 8, 9});
  p.put_back(*half, 0, 2);  // both failed: in front of 3..5
  CHECK(p.retained() == 0);
  CHECK(offsets(p) == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  // Their text outlives the batches it was written for.
  half.reset();
  CHECK(p.view(0, "t").encoded.find("\"offset\":1,") != std::string_view::npos);
  CHECK(p.view(2, "t").encoded.find("\"offset\":3,") != std::string_view::npos);
  p.retain(send_front(p, 3), 0);      // 1..3 retained again
  CHECK(p.erase_at(1)->offset == 2);  // one of them passed over where it lies
  CHECK(offsets(p) == std::vector<std::int64_t>{1, 3, 4, 5, 6, 7, 8, 9});
  CHECK(p.retained() == 0);
  CHECK(p.view(1, "t").encoded.find("\"offset\":3,") != std::string_view::npos);
  CHECK(p.bytes() == 8 * 2);
}
