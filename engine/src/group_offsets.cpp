#include "group_offsets.hpp"

#include <algorithm>

#include "kafka_handles.hpp"

namespace esm::engine {

namespace {

using api_models::ApiError;
using api_models::ErrorCode;
using api_models::OffsetReset;
using api_models::PartitionOffset;
using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(left.count(), 1));
}

ApiError kafka_error(const std::string& what, const std::string& detail) {
  return ApiError{ErrorCode::Service, "Cannot reset the offsets: " + what + ": " + detail};
}

api_models::Result<KafkaHandle> admin_client(const std::map<std::string, std::string>& properties) {
  char err[512];
  KafkaConf conf(rd_kafka_conf_new());
  // A consumer's metadata requests never create the topic. It subscribes to nothing, so it
  // joins no group; the group id is only for assign() (offsets_by_scan), committing nothing.
  std::map<std::string, std::string> props = properties;
  props["client.id"] = "esm-emulator-offset-reset";
  props["group.id"] = "esm-emulator-offset-reset";
  props["enable.auto.commit"] = "false";
  props["enable.auto.offset.store"] = "false";
  props["log_level"] = "3";
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      return ApiError{ErrorCode::InvalidParameterValue,
                      "Cannot reset the offsets: invalid client setting " + k};
  }
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err));
  if (!rk) return kafka_error("cannot create a Kafka client", err);
  conf.release();
  return rk;
}

// The topic's partitions and their [low, high) offsets.
struct PartitionRange {
  std::int32_t partition;
  std::int64_t low, high;
};

api_models::Result<std::vector<PartitionRange>> partition_ranges(rd_kafka_t* rk,
                                                                 const std::string& topic,
                                                                 Clock::time_point deadline) {
  KafkaTopic handle(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  const auto err = rd_kafka_metadata(rk, 0, handle.get(), &md, remaining_ms(deadline));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return kafka_error("the cluster did not answer", rd_kafka_err2str(err));
  std::vector<std::int32_t> ids;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  for (int t = 0; t < md->topic_cnt; ++t) {
    topic_err = md->topics[t].err;
    for (int i = 0; i < md->topics[t].partition_cnt; ++i)
      ids.push_back(md->topics[t].partitions[i].id);
  }
  rd_kafka_metadata_destroy(md);
  if (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR || ids.empty())
    return ApiError{ErrorCode::InvalidParameterValue,
                    "Cannot reset the offsets: topic " + topic + " does not exist."};
  std::sort(ids.begin(), ids.end());
  std::vector<PartitionRange> out;
  for (const auto id : ids) {
    PartitionRange r{id, 0, 0};
    const auto e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), id, &r.low, &r.high,
                                                    remaining_ms(deadline));
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
      return kafka_error("no offsets for partition " + std::to_string(id), rd_kafka_err2str(e));
    out.push_back(r);
  }
  return out;
}

// The first offset at or after `timestamp_ms` in each partition (the high watermark where no
// record is that recent).
api_models::Result<std::vector<PartitionOffset>> offsets_at(
    rd_kafka_t* rk, const std::string& topic, const std::vector<PartitionRange>& ranges,
    std::int64_t timestamp_ms, Clock::time_point deadline) {
  KafkaPartitionList query(rd_kafka_topic_partition_list_new(static_cast<int>(ranges.size())));
  for (const auto& r : ranges)
    rd_kafka_topic_partition_list_add(query.get(), topic.c_str(), r.partition)->offset =
        timestamp_ms;
  const auto err = rd_kafka_offsets_for_times(rk, query.get(), remaining_ms(deadline));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return kafka_error("offsets for the timestamp", rd_kafka_err2str(err));
  std::vector<PartitionOffset> out;
  for (int i = 0; i < query->cnt; ++i) {
    const auto& e = query->elems[i];
    if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return kafka_error("offsets for partition " + std::to_string(e.partition),
                         rd_kafka_err2str(e.err));
    out.push_back(
        {e.partition, e.offset >= 0 ? e.offset : ranges[static_cast<std::size_t>(i)].high});
  }
  return out;
}

// The same by reading each partition from its start (librdkafka's mock cluster answers a
// ListOffsets by time with the end offset): bounded by the partition's range and the deadline.
api_models::Result<std::vector<PartitionOffset>> offsets_by_scan(
    rd_kafka_t* rk, const std::string& topic, const std::vector<PartitionRange>& ranges,
    std::int64_t timestamp_ms, Clock::time_point deadline) {
  std::vector<PartitionOffset> out;
  for (const auto& r : ranges) {
    PartitionOffset found{r.partition, r.high};
    KafkaPartitionList one(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(one.get(), topic.c_str(), r.partition)->offset = r.low;
    if (r.low < r.high && rd_kafka_assign(rk, one.get()) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::int64_t next = r.low;
      while (next < r.high && Clock::now() < deadline) {
        KafkaMessage msg(rd_kafka_consumer_poll(rk, 100));
        if (!msg || msg->err != RD_KAFKA_RESP_ERR_NO_ERROR || msg->partition != r.partition)
          continue;
        next = msg->offset + 1;
        if (rd_kafka_message_timestamp(msg.get(), nullptr) >= timestamp_ms) {
          found.offset = msg->offset;
          break;
        }
      }
      rd_kafka_assign(rk, nullptr);
      if (next < r.high && found.offset == r.high && Clock::now() >= deadline)
        return kafka_error("reading partition " + std::to_string(r.partition), "timed out");
    }
    out.push_back(found);
  }
  return out;
}

api_models::Result<std::vector<PartitionOffset>> targets(rd_kafka_t* rk, const std::string& topic,
                                                         const OffsetReset& reset,
                                                         const std::vector<PartitionRange>& ranges,
                                                         bool scan_for_time,
                                                         Clock::time_point deadline) {
  std::vector<PartitionOffset> out;
  switch (reset.position) {
    case OffsetReset::Position::TrimHorizon:
      for (const auto& r : ranges) out.push_back({r.partition, r.low});
      return out;
    case OffsetReset::Position::Latest:
      for (const auto& r : ranges) out.push_back({r.partition, r.high});
      return out;
    case OffsetReset::Position::AtTimestamp:
      return scan_for_time ? offsets_by_scan(rk, topic, ranges, reset.timestamp_ms, deadline)
                           : offsets_at(rk, topic, ranges, reset.timestamp_ms, deadline);
    case OffsetReset::Position::Explicit:
      break;
  }
  for (const auto& want : reset.offsets) {
    const auto it = std::find_if(ranges.begin(), ranges.end(),
                                 [&](const auto& r) { return r.partition == want.partition; });
    if (it == ranges.end())
      return ApiError{
          ErrorCode::InvalidParameterValue,
          "Offsets: topic " + topic + " has no partition " + std::to_string(want.partition) + "."};
    if (want.offset < it->low || want.offset > it->high)
      return ApiError{ErrorCode::InvalidParameterValue,
                      "Offsets: offset " + std::to_string(want.offset) + " is outside partition " +
                          std::to_string(want.partition) + "'s range " + std::to_string(it->low) +
                          " to " + std::to_string(it->high) + "."};
    out.push_back(want);
  }
  return out;
}

api_models::Result<api_models::Ok> alter(rd_kafka_t* rk, const std::string& group,
                                         const std::string& topic,
                                         const std::vector<PartitionOffset>& offsets,
                                         Clock::time_point deadline) {
  KafkaPartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& o : offsets)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), o.partition)->offset = o.offset;
  rd_kafka_AlterConsumerGroupOffsets_t* request =
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
  KafkaQueue queue(rd_kafka_queue_new(rk));
  rd_kafka_AdminOptions_t* options =
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(options, remaining_ms(deadline), err, sizeof err);
  rd_kafka_AlterConsumerGroupOffsets(rk, &request, 1, options, queue.get());
  rd_kafka_AlterConsumerGroupOffsets_destroy(request);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue.get(), remaining_ms(deadline) + 1000);
  if (event == nullptr) return kafka_error("the cluster did not answer", "timed out");
  std::string problem;
  if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    problem = rd_kafka_event_error_string(event);
  } else if (const auto* result = rd_kafka_event_AlterConsumerGroupOffsets_result(event)) {
    std::size_t count = 0;
    const rd_kafka_group_result_t** groups =
        rd_kafka_AlterConsumerGroupOffsets_result_groups(result, &count);
    for (std::size_t g = 0; g < count && problem.empty(); ++g) {
      if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[g])) {
        problem = rd_kafka_error_string(e);
        break;
      }
      const auto* parts = rd_kafka_group_result_partitions(groups[g]);
      for (int i = 0; parts && i < parts->cnt && problem.empty(); ++i) {
        if (parts->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR)
          problem = "partition " + std::to_string(parts->elems[i].partition) + ": " +
                    rd_kafka_err2str(parts->elems[i].err);
      }
    }
  }
  rd_kafka_event_destroy(event);
  if (!problem.empty()) {
    return ApiError{ErrorCode::ResourceConflict,
                    "Cannot reset the offsets of group " + group + ": " + problem +
                        " (does another consumer still belong to the group?)"};
  }
  return api_models::Ok{};
}

}  // namespace

api_models::Result<std::vector<PartitionOffset>> reset_group_offsets(
    const std::map<std::string, std::string>& client_properties, const std::string& group,
    const std::string& topic, const OffsetReset& reset, bool scan_for_time,
    std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto rk = admin_client(client_properties);
  if (!rk.ok()) return rk.error();
  auto ranges = partition_ranges(rk.value().get(), topic, deadline);
  if (!ranges.ok()) return ranges.error();
  auto offsets = targets(rk.value().get(), topic, reset, ranges.value(), scan_for_time, deadline);
  if (!offsets.ok()) return offsets.error();
  if (auto r = alter(rk.value().get(), group, topic, offsets.value(), deadline); !r.ok())
    return r.error();
  return offsets;
}

}  // namespace esm::engine
