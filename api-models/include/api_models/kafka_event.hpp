#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace esm::api_models {

// One Kafka record as the event carries it (reference/aws-esm-kafka.md §8.6). Views into the
// consumer's message memory: valid while the caller holds the messages.
// keySchemaMetadata / valueSchemaMetadata of a record decoded with a schema registry.
struct SchemaMetadataView {
  std::string_view data_format;  // "JSON", "AVRO", "PROTOBUF"
  std::string_view schema_id;
};

struct KafkaRecordView {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  bool log_append_time = false;           // timestampType LOG_APPEND_TIME, else CREATE_TIME
  std::optional<std::string_view> key;    // nullopt: null key, "key" omitted
  std::optional<std::string_view> value;  // nullopt: tombstone, "value" omitted
  std::vector<std::pair<std::string_view, std::optional<std::string_view>>> headers;
  std::optional<SchemaMetadataView> key_schema;    // "keySchemaMetadata"; none: omitted
  std::optional<SchemaMetadataView> value_schema;  // "valueSchemaMetadata"; none: omitted
  // The record's JSON object as an earlier event of the same source carried it (a retry sends
  // the same text again, unwritten); empty: written from the members above.
  std::string_view encoded;
};

struct KafkaEventSource {
  std::optional<std::string> event_source_arn;  // MSK: "aws:kafka" + eventSourceArn
  std::string bootstrap_servers;                // comma-joined
};

// Where one record's JSON object lies in an event: bytes [begin, end).
struct RecordSpan {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

// The invocation payload: records grouped by "topic-partition", each group in the given order
// (callers pass records partition by partition, in offset order). With `spans`, where each
// record's object lies in it, one for one (what a later event may carry as `encoded`).
std::string kafka_event_json(const KafkaEventSource& source,
                             std::span<const KafkaRecordView> records,
                             std::vector<RecordSpan>* spans = nullptr);
inline std::string kafka_event_json(const KafkaEventSource& source,
                                    const std::vector<KafkaRecordView>& records,
                                    std::vector<RecordSpan>* spans = nullptr) {
  return kafka_event_json(source, std::span<const KafkaRecordView>(records), spans);
}

// An upper bound on what one record adds to the payload, to cut batches below 6,291,456 bytes.
std::size_t kafka_record_size_bound(const KafkaRecordView& record);
// What the envelope (everything but records) takes.
std::size_t kafka_event_overhead(const KafkaEventSource& source);
// What one "topic-partition" group adds besides its records (its key, brackets, separators).
std::size_t kafka_partition_group_overhead(std::string_view topic);
// The least an event carrying `raw_bytes` of keys and values takes (base64 makes 3 bytes 4).
inline std::size_t kafka_payload_lower_bound(std::size_t raw_bytes) { return raw_bytes / 3 * 4; }

inline constexpr std::size_t kMaxPayloadBytes = 6291456;

}  // namespace esm::api_models
