#include <catch2/catch.hpp>
#include <string>

#include "api_models/requests.hpp"

using namespace esm::api_models;

namespace {
const RequestContext kCtx{"us-east-1", "123456789012"};

// A valid self-managed create body with `extra` members spliced in.
std::string body(const std::string& extra = "") {
  return R"({"FunctionName":"orders","Topics":["t1"],)"
         R"("SelfManagedEventSource":{"Endpoints":{"KAFKA_BOOTSTRAP_SERVERS":["127.0.0.1:9092"]}},)"
         R"("SourceAccessConfigurations":[{"Type":"VPC_SUBNET","URI":"subnet:subnet-1"}])" +
         (extra.empty() ? "" : "," + extra) + "}";
}

ApiError create_error(const std::string& b) {
  auto r = parse_create_request(b, kCtx);
  REQUIRE_FALSE(r.ok());
  return r.error();
}
}  // namespace

TEST_CASE("validation: an enum violation quotes AWS's recorded enum order", "[api_models]") {
  auto e = create_error(body(R"("StartingPosition":"invalid")"));
  CHECK(e.code == ErrorCode::Validation);
  CHECK(e.message ==
        "1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy "
        "constraint: "
        "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]");
}

TEST_CASE("validation: integer ranges from the model", "[api_models]") {
  CHECK(create_error(body(R"("BatchSize":10001)")).message ==
        "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: "
        "Member must have value less than or equal to 10000");
  CHECK(create_error(body(R"("BatchSize":0)")).message ==
        "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1");
  CHECK(create_error(body(R"("MaximumBatchingWindowInSeconds":301)"))
            .message.find("at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: "
                          "Member must have value less than or "
                          "equal to 300") != std::string::npos);
}

TEST_CASE("validation: list length, nested member paths and patterns", "[api_models]") {
  auto e = create_error(
      R"({"FunctionName":"f","Topics":["aa","bb"],"EventSourceArn":"arn:aws:kafka:us-east-1:123456789012:cluster/c/1"})");
  CHECK(e.message ==
        "1 validation error detected: Value '[aa, bb]' at 'topics' failed to satisfy constraint: "
        "Member must have length less than or equal to 1");
  e = create_error(body(R"("DestinationConfig":{"OnFailure":{"Destination":"nope"}})"));
  CHECK(
      e.message.find(
          "Value 'nope' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: "
          "Member must satisfy regular expression pattern: $|kafka://") != std::string::npos);
  e = create_error(
      R"({"FunctionName":"f","Topics":[".bad"],"EventSourceArn":"arn:aws:kafka:us-east-1:123456789012:cluster/c/1"})");
  CHECK(e.message.find("at 'topics.1.member' failed to satisfy constraint: Member must satisfy "
                       "regular expression "
                       "pattern: [^.]([a-zA-Z0-9\\-_.]+)") != std::string::npos);
}

TEST_CASE("validation: several failures are counted and joined", "[api_models]") {
  auto e = create_error(body(R"("BatchSize":0,"StartingPosition":"X")"));
  CHECK(e.message.rfind("2 validation errors detected: ", 0) == 0);
  CHECK(e.message.find("; Value ") != std::string::npos);
}

TEST_CASE("validation: a missing required member and wrong JSON types", "[api_models]") {
  CHECK(create_error(R"({"Topics":["tt"]})").message ==
        "1 validation error detected: Value 'null' at 'functionName' failed to satisfy constraint: "
        "Member must not be null");
  CHECK(create_error(body(R"("BatchSize":"ten")"))
            .message.find("at 'batchSize' failed to satisfy constraint: "
                          "Member must be an integer") != std::string::npos);
  CHECK(create_error(body(R"("Enabled":"yes")")).code == ErrorCode::Validation);
  CHECK(create_error(body(R"("BatchSize":[1])")).code == ErrorCode::Validation);
}

TEST_CASE("validation: malformed bodies are InvalidRequestContent", "[api_models]") {
  CHECK(create_error("{").code == ErrorCode::InvalidRequestContent);
  CHECK(create_error("[]").code == ErrorCode::InvalidRequestContent);
  CHECK(create_error("{} trailing").code == ErrorCode::InvalidRequestContent);
  CHECK(create_error(std::string("{\"FunctionName\":\"f\xff\"}")).code ==
        ErrorCode::InvalidRequestContent);
}

TEST_CASE("validation: lengths count UTF-16 units as Java does", "[api_models]") {
  // 64 four-byte characters = 128 UTF-16 units: within TagKey's 128; one more is over.
  std::string key;
  for (int i = 0; i < 64; ++i) key += "\xF0\x9F\x98\x80";
  CHECK(parse_create_request(body(R"("Tags":{")" + key + R"(":"v"})"), kCtx).ok());
  auto e = create_error(body(R"("Tags":{")" + key + R"(x":"v"})"));
  CHECK(
      e.message.find(
          "Map keys must satisfy constraint: [Member must have length less than or equal to 128") !=
      std::string::npos);
}

TEST_CASE("validation: tag values accept letters of any script and reject other symbols",
          "[api_models]") {
  CHECK(parse_create_request(body(R"("Tags":{"équipe":"données 1"})"), kCtx).ok());
  CHECK(create_error(body(R"("Tags":{"k":"a;b"})"))
            .message.find("at 'tags.k' failed to satisfy constraint: "
                          "Member must satisfy regular expression pattern") != std::string::npos);
}

TEST_CASE("validation: FunctionName pattern and length", "[api_models]") {
  CHECK(create_error(body().replace(body().find("orders"), 6, "bad name"))
            .message.find("at 'functionName' failed to satisfy constraint: Member must satisfy "
                          "regular expression pattern") != std::string::npos);
  std::string long_name(257, 'a');
  CHECK(create_error(body().replace(body().find("orders"), 6, long_name))
            .message.find("Member must have length less than or equal to 256") !=
        std::string::npos);
}

TEST_CASE("validation: path UUID must be 36 characters", "[api_models]") {
  auto r = validate_uuid("abc");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "1 validation error detected: Value 'abc' at 'uUID' failed to satisfy constraint: "
        "Member must have length greater than or equal to 36");
  CHECK(validate_uuid("12345678-1234-1234-1234-123456789012").ok());
}

TEST_CASE("validation: a pathological subject does not hang or crash the matcher", "[api_models]") {
  std::string arn = "arn:aws:kafka:us-east-1:123456789012:cluster/" + std::string(9000, 'a');
  auto r = parse_create_request(
      R"({"FunctionName":"f","Topics":["tt"],"EventSourceArn":")" + arn + "\"}", kCtx);
  CHECK(r.ok());
}
