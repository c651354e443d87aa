#pragma once

#include <cstdint>
#include <optional>
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
};

struct KafkaEventSource {
  std::optional<std::string> event_source_arn;  // MSK: "aws:kafka" + eventSourceArn
  std::string bootstrap_servers;                // comma-joined
};

// The invocation payload: records grouped by "topic-partition", each group in the given order
// (callers pass records partition by partition, in offset order).
std::string kafka_event_json(const KafkaEventSource& source,
                             const std::vector<KafkaRecordView>& records);

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
