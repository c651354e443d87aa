#include "api_models/kafka_event.hpp"

#include <catch2/catch.hpp>

#include "api_models/json_value.hpp"

using namespace esm::api_models;

TEST_CASE("kafka event: self-managed format, byte for byte", "[api_models]") {
  KafkaRecordView r;
  r.topic = "my-topic";
  r.partition = 0;
  r.offset = 15;
  r.timestamp_ms = 1545084650987;
  r.key = "recordKey";
  r.value = R"({"key":"value"})";
  r.headers = {{"headerKey", std::string_view("headerValue")}};
  const std::string json = kafka_event_json({std::nullopt, "b1:9092,b2:9092"}, {r});
  CHECK(
      json ==
      R"({"eventSource":"SelfManagedKafka","bootstrapServers":"b1:9092,b2:9092","records":{"my-topic-0":[)"
      R"({"topic":"my-topic","partition":0,"offset":15,"timestamp":1545084650987,"timestampType":"CREATE_TIME",)"
      R"("key":"cmVjb3JkS2V5","value":"eyJrZXkiOiJ2YWx1ZSJ9","headers":[{"headerKey":[104,101,97,100,101,114,86,97,108,117,101]}]}]}})");
}

TEST_CASE(
    "kafka event: MSK source, null key and value omitted, signed header bytes, groups per "
    "partition",
    "[api_models]") {
  KafkaRecordView a;
  a.topic = "t";
  a.partition = 1;
  a.offset = 7;
  a.log_append_time = true;
  a.headers = {
      {"h", std::string_view("\xc3\xab")}, {"h", std::string_view("")}, {"n", std::nullopt}};
  KafkaRecordView b = a;
  b.offset = 8;
  b.value = std::string_view("\x00\xff", 2);
  KafkaRecordView c = a;
  c.partition = 2;
  const std::string json =
      kafka_event_json({std::string("arn:aws:kafka:us-east-1:1:cluster/c/u"), "b:1"}, {a, b, c});
  auto parsed = JsonValue::parse(json);
  REQUIRE(parsed.ok());
  CHECK(parsed.value().get("eventSource")->as_string() == "aws:kafka");
  CHECK(parsed.value().get("eventSourceArn")->as_string() ==
        "arn:aws:kafka:us-east-1:1:cluster/c/u");
  const auto* records = parsed.value().get("records");
  REQUIRE(records->members().size() == 2);
  const auto& p1 = records->get("t-1")->items();
  REQUIRE(p1.size() == 2);
  CHECK_FALSE(p1[0].get("key"));
  CHECK_FALSE(p1[0].get("value"));
  CHECK(p1[1].get("value")->as_string() == "AP8=");
  CHECK(p1[0].get("timestampType")->as_string() == "LOG_APPEND_TIME");
  const auto& headers = p1[0].get("headers")->items();
  REQUIRE(headers.size() == 3);
  CHECK(headers[0].get("h")->items()[0].as_int() == -61);
  CHECK(headers[0].get("h")->items()[1].as_int() == -85);
  CHECK(headers[1].get("h")->items().empty());
}

TEST_CASE("kafka event: the size bound is an upper bound", "[api_models]") {
  KafkaRecordView r;
  r.topic = "topic\x01name";
  r.offset = 1234567890123;
  r.timestamp_ms = 1700000000000;
  std::string value(10000, '\x7f');
  r.value = value;
  r.key = std::string_view("k\x01", 2);
  r.headers = {{"h\x02", std::string_view("\x80\x80\x80")}};
  KafkaEventSource source{std::string("arn:aws:kafka:r:1:cluster/x/y"), "b:1"};
  const auto json = kafka_event_json(source, {r});
  CHECK(json.size() <=
        kafka_event_overhead(source) + kafka_record_size_bound(r) + 16 + 6 * r.topic.size());
}

TEST_CASE("kafka event: names and topics escaped as JSON, bytes beyond ASCII as they are",
          "[api_models]") {
  KafkaRecordView r;
  r.topic = "t";
  r.partition = 7;
  r.offset = -1;
  r.timestamp_ms = 0;
  r.log_append_time = true;
  r.value = std::string_view("\0\xff", 2);
  const std::string name("q\"b\\c\x01\x1f\n\t\b\f\r\xc3\xa9\x7f/", 16);
  r.headers = {{name, std::nullopt}, {"e", std::string_view("")}};
  const std::string json = kafka_event_json({std::nullopt, "a\"b"}, {r, r});
  const std::string record =
      R"({"topic":"t","partition":7,"offset":-1,"timestamp":0,"timestampType":"LOG_APPEND_TIME",)"
      R"("value":"AP8=","headers":[{"q\"b\\c\u0001\u001F\n\t\b\f\r)"
      "\xc3\xa9\x7f"
      R"(/":[]},{"e":[]}]})";
  CHECK(json ==
        R"({"eventSource":"SelfManagedKafka","bootstrapServers":"a\"b","records":{"t-7":[)" +
            record + "," + record + "]}}");
  CHECK(kafka_event_json({std::nullopt, "b"}, std::vector<KafkaRecordView>{}) ==
        R"({"eventSource":"SelfManagedKafka","bootstrapServers":"b","records":{}})");
}

TEST_CASE(
    "kafka event: each record's object is located in the event, and a retry sends that text "
    "again unwritten",
    "[api_models]") {
  const KafkaEventSource source{std::nullopt, "b:1"};
  std::vector<KafkaRecordView> records(3);
  for (std::size_t i = 0; i < records.size(); ++i) {
    records[i].topic = "t";
    records[i].partition = i < 2 ? 0 : 1;
    records[i].offset = static_cast<std::int64_t>(10 + i);
    records[i].value = "v";
  }
  std::vector<RecordSpan> spans;
  const std::string first = kafka_event_json(source, records, &spans);
  REQUIRE(spans.size() == 3);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const std::string one = kafka_event_json(source, {records[i]});
    const std::string object(first, spans[i].begin, spans[i].end - spans[i].begin);
    CHECK(one.find(object) != std::string::npos);
    CHECK(object.front() == '{');
    CHECK(object.back() == '}');
  }
  // The same records carrying their earlier text: the same event, though their members now say
  // something else (the text is what is sent).
  auto again = records;
  for (std::size_t i = 0; i < again.size(); ++i) {
    again[i].encoded =
        std::string_view(first).substr(spans[i].begin, spans[i].end - spans[i].begin);
    again[i].value = "changed";
  }
  std::vector<RecordSpan> again_spans;
  CHECK(kafka_event_json(source, again, &again_spans) == first);
  CHECK(again_spans.size() == 3);
  // A retry of the last two: their objects as they were, regrouped.
  const std::vector<KafkaRecordView> tail(again.begin() + 1, again.end());
  CHECK(kafka_event_json(source, tail) == kafka_event_json(source, {records[1], records[2]}));
}
