#include "api_models/failure_record.hpp"

#include <cstdio>
#include <ctime>

#include "json_util.hpp"

namespace esm::api_models {

namespace {

void request_context(JsonWriter& w, const FailureReport& r, DestinationKind kind) {
  w.key("requestContext").start_object();
  w.key("requestId").string(r.request_id);
  w.key("functionArn").string(r.function_arn);
  w.key("condition").string(condition_name(r.condition, kind));
  w.key("approximateInvokeCount").integer(r.approximate_invoke_count);
  w.end_object();
  w.key("responseContext");
  if (!r.function_responded) {
    w.null();
    return;
  }
  w.start_object();
  w.key("statusCode").integer(200);
  w.key("executedVersion").string("$LATEST");
  if (r.function_error) w.key("functionError").string("Unhandled");
  w.end_object();
}

void source_info(JsonWriter& w, const KafkaEventSource& source) {
  if (source.event_source_arn) w.key("eventSourceArn").string(*source.event_source_arn);
  w.key("bootstrapServers").string(source.bootstrap_servers);
}

}  // namespace

std::string condition_name(FailureCondition condition, DestinationKind kind) {
  switch (condition) {
    case FailureCondition::RetriesExhausted:
      return kind == DestinationKind::KafkaTopic ? "RetriesExhausted" : "RetryAttemptsExhausted";
    case FailureCondition::RecordAgeExceeded:
      return "RecordAgeExceeded";
    case FailureCondition::MaximumPayloadSizeExceeded:
      return "MaximumPayloadSizeExceeded";
    case FailureCondition::SchemaNotFound:  // the schema registry page's reason codes
      return "SCHEMA_NOT_FOUND";
    case FailureCondition::DeserializationError:
      return "DESERIALIZATION_ERROR";
  }
  return "RetryAttemptsExhausted";
}

std::string iso8601_ms(std::int64_t epoch_ms) {
  const std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(((epoch_ms % 1000) + 1000) % 1000));
  return std::string(buf, n) + ms;
}

std::string batch_failure_document(const KafkaEventSource& source, const FailureReport& report,
                                   DestinationKind kind,
                                   const std::vector<KafkaRecordView>& records) {
  const std::string event = kafka_event_json(source, records);
  JsonWriter w;
  w.start_object();
  request_context(w, report, kind);
  w.key("version").string("1.0");
  w.key("timestamp").string(iso8601_ms(report.timestamp_ms));
  w.key("KafkaBatchInfo").start_object();
  w.key("batchSize").integer(static_cast<std::int64_t>(records.size()));
  source_info(w, source);
  w.key("payloadSize").integer(static_cast<std::int64_t>(event.size()));
  w.key("recordsInfo").start_object();
  for (std::size_t i = 0; i < records.size();) {
    std::size_t j = i;
    while (j + 1 < records.size() && records[j + 1].topic == records[i].topic &&
           records[j + 1].partition == records[i].partition) {
      ++j;
    }
    w.key(std::string(records[i].topic) + "-" + std::to_string(records[i].partition));
    w.start_object();
    w.key("firstRecordOffset").string(std::to_string(records[i].offset));
    w.key("lastRecordOffset").string(std::to_string(records[j].offset));
    w.key("firstRecordTimestamp").string(iso8601_ms(records[i].timestamp_ms));
    w.key("lastRecordTimestamp").string(iso8601_ms(records[j].timestamp_ms));
    w.end_object();
    i = j + 1;
  }
  w.end_object();
  w.end_object();
  if (kind == DestinationKind::S3) w.key("payload").string(event);
  w.end_object();
  return w.take();
}

std::string record_failure_document(const KafkaEventSource& source, const FailureReport& report,
                                    const KafkaRecordView& record) {
  const std::string event = kafka_event_json(source, {record});
  JsonWriter w;
  w.start_object();
  request_context(w, report, DestinationKind::KafkaTopic);
  w.key("version").string("1.0");
  w.key("timestamp").string(iso8601_ms(report.timestamp_ms));
  w.key("KafkaBatchInfo").start_object();
  w.key("batchSize").integer(1);
  source_info(w, source);
  w.key("payloadSize").integer(static_cast<std::int64_t>(event.size()));
  w.key("recordInfo").start_object();
  w.key("offset").string(std::to_string(record.offset));
  w.key("timestamp").string(iso8601_ms(record.timestamp_ms));
  w.end_object();
  w.end_object();
  w.key("payload").raw(event);
  w.end_object();
  return w.take();
}

}  // namespace esm::api_models
