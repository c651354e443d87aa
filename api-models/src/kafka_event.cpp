#include "api_models/kafka_event.hpp"

#include "api_models/base64.hpp"
#include "api_models/json_text.hpp"

namespace esm::api_models {

namespace {

// The event is written straight into one string (it is the hot path of delivery: 1000 records of
// 100 bytes take 0.09 ms, against 0.63 ms through the generic JSON writer), with json_text's
// helpers.
constexpr auto append_string = append_json_string;
constexpr auto append_integer = append_json_integer;

void append_schema_metadata(std::string& out, std::string_view member,
                            const std::optional<SchemaMetadataView>& m) {
  if (!m) return;
  out += member;
  out += R"({"dataFormat":)";
  append_string(out, m->data_format);
  out += R"(,"schemaId":)";
  append_string(out, m->schema_id);
  out += '}';
}

}  // namespace

namespace {

void append_headers(std::string& out, const KafkaRecordView& r) {
  out += R"(,"headers":[)";
  bool first_header = true;
  for (const auto& [name, value] : r.headers) {
    if (!first_header) out += ',';
    first_header = false;
    out += '{';
    append_string(out, name);
    out += ":[";
    if (value) {
      bool first_byte = true;
      for (const char c : *value) {  // Java signed bytes
        if (!first_byte) out += ',';
        first_byte = false;
        append_integer(out, static_cast<signed char>(c));
      }
    }
    out += "]}";
  }
  out += ']';
}

// One record's JSON object: the text an earlier event carried, or written from its members.
void append_record(std::string& out, const KafkaRecordView& r) {
  if (!r.encoded.empty()) {
    out += r.encoded;
    return;
  }
  out += R"({"topic":)";
  append_string(out, r.topic);
  out += R"(,"partition":)";
  append_integer(out, r.partition);
  out += R"(,"offset":)";
  append_integer(out, r.offset);
  out += R"(,"timestamp":)";
  append_integer(out, r.timestamp_ms);
  out += r.log_append_time ? R"(,"timestampType":"LOG_APPEND_TIME")"
                           : R"(,"timestampType":"CREATE_TIME")";
  if (r.key) {
    out += R"(,"key":")";
    append_base64(out, *r.key);
    out += '"';
  }
  if (r.value) {
    out += R"(,"value":")";
    append_base64(out, *r.value);
    out += '"';
  }
  append_headers(out, r);
  append_schema_metadata(out, R"(,"keySchemaMetadata":)", r.key_schema);
  append_schema_metadata(out, R"(,"valueSchemaMetadata":)", r.value_schema);
  out += '}';
}

}  // namespace

std::string kafka_event_json(const KafkaEventSource& source,
                             std::span<const KafkaRecordView> records,
                             std::vector<RecordSpan>* spans) {
  std::size_t reserve = kafka_event_overhead(source);
  for (const auto& r : records) {
    reserve += r.encoded.empty() ? kafka_record_size_bound(r) : r.encoded.size() + 1;
  }
  std::string out;
  out.reserve(reserve);
  out += R"({"eventSource":)";
  append_string(out, source.event_source_arn ? "aws:kafka" : "SelfManagedKafka");
  if (source.event_source_arn) {
    out += R"(,"eventSourceArn":)";
    append_string(out, *source.event_source_arn);
  }
  out += R"(,"bootstrapServers":)";
  append_string(out, source.bootstrap_servers);
  out += R"(,"records":{)";
  if (spans != nullptr) spans->clear();
  const KafkaRecordView* group = nullptr;  // first record of the open "topic-partition" array
  for (const auto& r : records) {
    if (group == nullptr || group->topic != r.topic || group->partition != r.partition) {
      if (group != nullptr) out += "],";
      append_string(out, std::string(r.topic) + "-" + std::to_string(r.partition));
      out += ":[";
      group = &r;
    } else {
      out += ',';
    }
    const std::size_t begin = out.size();
    append_record(out, r);
    if (spans != nullptr) {
      spans->push_back({static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(out.size())});
    }
  }
  if (group != nullptr) out += ']';
  out += "}}";
  return out;
}

std::size_t kafka_record_size_bound(const KafkaRecordView& r) {
  // Member names and punctuation (~120), the topic twice (escaped: up to 6x), numbers, base64
  // (4/3), header bytes as "-128," (5 each) plus escaped names, and a "topic-partition" key.
  std::size_t n = 160 + 12 * r.topic.size() + 64;
  if (r.key) n += (r.key->size() + 2) / 3 * 4 + 10;
  if (r.value) n += (r.value->size() + 2) / 3 * 4 + 12;
  for (const auto& [name, value] : r.headers) {
    n += 6 * name.size() + 8 + (value ? 5 * value->size() : 0);
  }
  for (const auto* m : {&r.key_schema, &r.value_schema}) {
    if (*m) n += 64 + 6 * ((*m)->data_format.size() + (*m)->schema_id.size());
  }
  return n;
}

std::size_t kafka_event_overhead(const KafkaEventSource& source) {
  return 120 + 6 * source.bootstrap_servers.size() +
         (source.event_source_arn ? 6 * source.event_source_arn->size() + 20 : 0);
}

std::size_t kafka_partition_group_overhead(std::string_view topic) {
  return 16 + 6 * topic.size();  // the key escaped, "-N", quotes, ":[", "],"
}

}  // namespace esm::api_models
