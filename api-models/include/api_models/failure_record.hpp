#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api_models/kafka_event.hpp"

namespace esm::api_models {

// Why records went to the on-failure destination instead of the function.
enum class FailureCondition {
  RetriesExhausted,            // the function failed for them on every attempt allowed
  RecordAgeExceeded,           // older than MaximumRecordAgeInSeconds: never sent
  MaximumPayloadSizeExceeded,  // one record alone makes an event over 6 MB: never sent
  SchemaNotFound,              // its schema id is not in the schema registry: never sent
  DeserializationError,        // not decodable with its schema: never sent
};

// Where they go: the document formats differ (reference §8.8).
enum class DestinationKind { Sqs, Sns, S3, KafkaTopic };

// What the destination records say of the failure.
struct FailureReport {
  FailureCondition condition = FailureCondition::RetriesExhausted;
  std::string request_id;  // of the last invocation (a fresh id when none was made)
  std::string function_arn;
  int approximate_invoke_count = 0;
  // The last invocation's answer; none when the records were never sent.
  bool function_responded = false;
  bool function_error = false;    // it answered with an error ("Unhandled")
  std::int64_t timestamp_ms = 0;  // when the records were given up
};

// The condition's name as the destination's documentation spells it: the Kafka-topic page's
// example says "RetriesExhausted", the SQS/SNS/S3 page "RetryAttemptsExhausted" (reference §11.5);
// a name for the record-age condition is documented for neither ("RecordAgeExceeded" here).
std::string condition_name(FailureCondition condition, DestinationKind kind);

// SQS, SNS and S3: one document for the records of one partition, in offset order
// (recordsInfo keyed "topic-partition"); S3's also carries the whole event as "payload", a
// JSON string, as the S3 page describes it (reference §11.6).
std::string batch_failure_document(const KafkaEventSource& source, const FailureReport& report,
                                   DestinationKind kind,
                                   const std::vector<KafkaRecordView>& records);

// kafka://TOPIC: one document per record, "payload" the event object holding that record alone.
std::string record_failure_document(const KafkaEventSource& source, const FailureReport& report,
                                    const KafkaRecordView& record);

// "2019-11-14T00:38:06.021Z"
std::string iso8601_ms(std::int64_t epoch_ms);

}  // namespace esm::api_models
