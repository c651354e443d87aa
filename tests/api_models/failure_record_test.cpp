#include "api_models/failure_record.hpp"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>

using namespace esm::api_models;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

KafkaRecordView record(std::int64_t offset, std::int64_t ts) {
  KafkaRecordView v;
  v.topic = "orders";
  v.partition = 2;
  v.offset = offset;
  v.timestamp_ms = ts;
  v.key = "k";
  v.value = "v";
  return v;
}

}  // namespace

TEST_CASE("failure records: the SQS/SNS document and S3's payload", "[api_models][failure]") {
  KafkaEventSource source{std::string("arn:aws:kafka:us-east-1:123456789012:cluster/c/1"),
                          "b:9092"};
  FailureReport report;
  report.request_id = "rid";
  report.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
  report.approximate_invoke_count = 3;
  report.function_responded = true;
  report.function_error = true;
  report.timestamp_ms = 1573691886021;
  const std::vector<KafkaRecordView> records = {record(5, 1573691884835), record(9, 1573691885580)};
  const auto d = parse(batch_failure_document(source, report, DestinationKind::Sqs, records));
  CHECK(std::string(d["requestContext"]["condition"].GetString()) == "RetryAttemptsExhausted");
  CHECK(d["requestContext"]["approximateInvokeCount"].GetInt() == 3);
  CHECK(std::string(d["responseContext"]["functionError"].GetString()) == "Unhandled");
  CHECK(d["responseContext"]["statusCode"].GetInt() == 200);
  CHECK(std::string(d["timestamp"].GetString()) == "2019-11-14T00:38:06.021Z");
  const auto& info = d["KafkaBatchInfo"];
  CHECK(info["batchSize"].GetInt() == 2);
  CHECK(info["payloadSize"].GetInt() == static_cast<int>(kafka_event_json(source, records).size()));
  const auto& range = info["recordsInfo"]["orders-2"];
  CHECK(std::string(range["firstRecordOffset"].GetString()) == "5");
  CHECK(std::string(range["lastRecordOffset"].GetString()) == "9");
  CHECK(std::string(range["firstRecordTimestamp"].GetString()) == "2019-11-14T00:38:04.835Z");
  CHECK(std::string(range["lastRecordTimestamp"].GetString()) == "2019-11-14T00:38:05.580Z");
  CHECK_FALSE(d.HasMember("payload"));
  const auto s3 = parse(batch_failure_document(source, report, DestinationKind::S3, records));
  REQUIRE(s3["payload"].IsString());
  CHECK(std::string(s3["payload"].GetString()) == kafka_event_json(source, records));
}

TEST_CASE("failure records: a Kafka destination's message, and records never sent",
          "[api_models][failure]") {
  KafkaEventSource source{std::nullopt, "127.0.0.1:9092"};
  FailureReport report;
  report.condition = FailureCondition::RecordAgeExceeded;
  report.timestamp_ms = 1000;
  const auto d = parse(record_failure_document(source, report, record(7, 500)));
  CHECK(d["responseContext"].IsNull());
  CHECK(std::string(d["requestContext"]["condition"].GetString()) == "RecordAgeExceeded");
  CHECK(d["KafkaBatchInfo"]["batchSize"].GetInt() == 1);
  CHECK(std::string(d["KafkaBatchInfo"]["recordInfo"]["offset"].GetString()) == "7");
  CHECK(std::string(d["KafkaBatchInfo"]["recordInfo"]["timestamp"].GetString()) ==
        "1970-01-01T00:00:00.500Z");
  CHECK(std::string(d["payload"]["eventSource"].GetString()) == "SelfManagedKafka");
  CHECK(d["payload"]["records"]["orders-2"][0]["offset"].GetInt() == 7);
  report.condition = FailureCondition::RetriesExhausted;
  CHECK(condition_name(report.condition, DestinationKind::KafkaTopic) == "RetriesExhausted");
  CHECK(condition_name(report.condition, DestinationKind::Sns) == "RetryAttemptsExhausted");
}
