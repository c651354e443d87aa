#include "api_models/requests.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "api_models/mapping_json.hpp"

using namespace esm::api_models;

namespace {
const RequestContext kCtx{"us-east-1", "123456789012"};
const std::string kServers =
    R"("SelfManagedEventSource":{"Endpoints":{"KAFKA_BOOTSTRAP_SERVERS":["k1:9092","k2:9092"]}})";
const std::string kVpc =
    R"("SourceAccessConfigurations":[{"Type":"VPC_SUBNET","URI":"subnet:subnet-1"}])";
const std::string kMsk =
    R"("EventSourceArn":"arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1")";

std::string self_managed(const std::string& extra = "") {
  return "{\"FunctionName\":\"orders\",\"Topics\":[\"t1\"]," + kServers + "," + kVpc +
         (extra.empty() ? "" : "," + extra) + "}";
}
std::string msk(const std::string& extra = "") {
  return "{\"FunctionName\":\"orders\",\"Topics\":[\"t1\"]," + kMsk +
         (extra.empty() ? "" : "," + extra) + "}";
}
std::string invalid_message(const std::string& b) {
  auto r = parse_create_request(b, kCtx);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::InvalidParameterValue);
  return r.error().message;
}
}  // namespace

TEST_CASE("create: defaults as AWS returns them for a self-managed mapping", "[api_models]") {
  auto r = parse_create_request(self_managed(), kCtx);
  REQUIRE(r.ok());
  auto m = r.value().mapping;
  m.uuid = "11111111-2222-3333-4444-555555555555";
  m.consumer_group_id = m.uuid;
  const std::string json = to_json(m);
  CHECK(json.find(R"("BatchSize":100)") != std::string::npos);
  CHECK(json.find(R"("StartingPosition":"TRIM_HORIZON")") != std::string::npos);
  CHECK(json.find(R"("State":"Creating")") != std::string::npos);
  CHECK(json.find(R"("StateTransitionReason":"USER_INITIATED")") != std::string::npos);
  CHECK(json.find(R"("LastProcessingResult":"No records processed")") != std::string::npos);
  CHECK(
      json.find(
          R"("SelfManagedKafkaEventSourceConfig":{"ConsumerGroupId":"11111111-2222-3333-4444-555555555555"})") !=
      std::string::npos);
  CHECK(
      json.find(
          R"("EventSourceMappingArn":"arn:aws:lambda:us-east-1:123456789012:event-source-mapping:11111111-2222-3333-4444-555555555555")") !=
      std::string::npos);
  CHECK(json.find(R"("FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:orders")") !=
        std::string::npos);
  // The 500 ms default window is not echoed; Enabled and Tags are never returned.
  CHECK(json.find("MaximumBatchingWindowInSeconds") == std::string::npos);
  CHECK(json.find("Enabled") == std::string::npos);
  CHECK(json.find("Tags") == std::string::npos);
  CHECK(json.find("EventSourceArn\"") == std::string::npos);
}

TEST_CASE("create: MSK mappings carry EventSourceArn and the managed config block",
          "[api_models]") {
  auto r = parse_create_request(
      msk(R"("StartingPosition":"LATEST","MaximumBatchingWindowInSeconds":0)"), kCtx);
  REQUIRE(r.ok());
  const std::string json = to_json(r.value().mapping);
  CHECK(
      json.find(R"("EventSourceArn":"arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1")") !=
      std::string::npos);
  CHECK(json.find(R"("AmazonManagedKafkaEventSourceConfig")") != std::string::npos);
  CHECK(json.find(R"("MaximumBatchingWindowInSeconds":0)") != std::string::npos);
  CHECK(json.find("SelfManagedEventSource") == std::string::npos);
}

TEST_CASE("create: the Kafka rules of reference §6.1 with AWS's texts", "[api_models]") {
  CHECK(invalid_message(R"({"FunctionName":"f","Topics":["tt"]})") == "Unrecognized event source.");
  CHECK(invalid_message("{\"FunctionName\":\"f\",\"Topics\":[\"tt\"]," + kServers + "}") ==
        "Required 'sourceAccessConfigurations' parameter is missing.");
  CHECK(
      invalid_message(self_managed(
          R"("DestinationConfig":{"OnSuccess":{"Destination":"arn:aws:sqs:us-east-1:123456789012:q"}})")) ==
      "Unsupported DestinationConfig parameter for given event source mapping type.");
  CHECK(invalid_message(self_managed(R"("FilterCriteria":{"Filters":[{"Pattern":"not json"}]})")) ==
        "Invalid filter pattern definition.");
  CHECK(invalid_message(self_managed(R"("FilterCriteria":{"Filters":[{"Pattern":"{}"}]})")) ==
        "Invalid filter pattern definition.");
  CHECK(invalid_message(self_managed(R"("ParallelizationFactor":2)")) ==
        "Unsupported ParallelizationFactor parameter for given event source mapping type.");
  CHECK(invalid_message(self_managed(R"("TumblingWindowInSeconds":2)"))
            .find("TumblingWindowInSeconds") != std::string::npos);
  CHECK(invalid_message(self_managed(R"("Queues":["q"])")).find("Queues") != std::string::npos);
  CHECK(invalid_message(self_managed(R"("MaximumRetryAttempts":3)")).find("MaximumRetryAttempts") !=
        std::string::npos);
  CHECK(invalid_message(self_managed(R"("StartingPosition":"AT_TIMESTAMP")")) ==
        "StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP.");
  CHECK(invalid_message(self_managed(
            R"("StartingPosition":"AT_TIMESTAMP","StartingPositionTimestamp":99999999999)")) ==
        "StartingPositionTimestamp cannot be in the future.");
  CHECK(
      invalid_message(
          msk(R"("SourceAccessConfigurations":[{"Type":"BASIC_AUTH","URI":"arn:aws:secretsmanager:us-east-1:123456789012:secret:s"}])"))
          .find("BASIC_AUTH") != std::string::npos);
  CHECK(
      invalid_message(
          R"({"FunctionName":"f","Topics":["tt"],"EventSourceArn":"arn:aws:sqs:us-east-1:123456789012:q"})")
          .find("Unsupported event source") != std::string::npos);
}

TEST_CASE("create: provisioned mode unlocks the error-handling parameters", "[api_models]") {
  auto r = parse_create_request(
      self_managed(
          R"("ProvisionedPollerConfig":{"MinimumPollers":1,"MaximumPollers":3},"MaximumRetryAttempts":3,)"
          R"("DestinationConfig":{"OnFailure":{"Destination":"kafka://dlq"}})"),
      kCtx);
  REQUIRE(r.ok());
  CHECK(invalid_message(
            self_managed(R"("ProvisionedPollerConfig":{"MinimumPollers":5,"MaximumPollers":3})")) ==
        "MaximumPollers must be greater than or equal to MinimumPollers.");
  CHECK(invalid_message(
            self_managed(R"("ProvisionedPollerConfig":{},"MaximumRecordAgeInSeconds":30)"))
            .find("Unsupported MaximumRecordAgeInSeconds") != std::string::npos);
  CHECK(invalid_message(self_managed(
            R"("ProvisionedPollerConfig":{"MinimumPollers":1},"MaximumRecordAgeInSeconds":30)")) ==
        "MaximumRecordAgeInSeconds must be -1 or between 60 and 604800.");
  CHECK(
      invalid_message(
          self_managed(
              R"("ProvisionedPollerConfig":{"MinimumPollers":1},"DestinationConfig":{"OnFailure":{"Destination":"kafka://t1"}})"))
          .find("must not be the mapping's source topic") != std::string::npos);
}

TEST_CASE("create: valid filter patterns of the Lambda operator table pass", "[api_models]") {
  for (const char* p :
       {R"({"value":{"a":[1,"x",null,true]}})", R"({"value":{"a":[{"prefix":"AB"}]}})",
        R"({"value":[{"anything-but":["error"]}]})",
        R"({"value":{"p":[{"numeric":[">",10,"<=",20]}]}})",
        R"({"value":{"e":[{"exists":false}]}})", R"({"value":{"$or":[{"a":[1]},{"b":[2]}]}})",
        R"({"value":{"n":[{"equals-ignore-case":"x"}],"s":[{"suffix":".png"}]}})"}) {
    INFO(p);
    std::string escaped;
    for (char c : std::string(p)) {
      if (c == '"') escaped += '\\';
      escaped += c;
    }
    CHECK(
        parse_create_request(
            self_managed(R"("FilterCriteria":{"Filters":[{"Pattern":")" + escaped + "\"}]}"), kCtx)
            .ok());
  }
}

TEST_CASE("update: partial, with the transitional state and bumped LastModified", "[api_models]") {
  auto created = parse_create_request(self_managed(), kCtx);
  REQUIRE(created.ok());
  auto m = created.value().mapping;
  m.state = MappingState::Enabled;
  m.last_modified = 1.0;
  auto u = parse_update_request(R"({"BatchSize":500})");
  REQUIRE(u.ok());
  REQUIRE(apply_update(u.value(), kCtx, m).ok());
  CHECK(m.batch_size == 500);
  CHECK(m.state == MappingState::Updating);
  CHECK(m.last_modified > 1.0);
  CHECK(m.topics == std::vector<std::string>{"t1"});

  m.state = MappingState::Enabled;
  u = parse_update_request(R"({"Enabled":false})");
  REQUIRE(apply_update(u.value(), kCtx, m).ok());
  CHECK(m.state == MappingState::Disabling);
  m.state = MappingState::Disabled;
  u = parse_update_request(R"({"Enabled":true,"FunctionName":"other:3"})");
  REQUIRE(apply_update(u.value(), kCtx, m).ok());
  CHECK(m.state == MappingState::Enabling);
  CHECK(m.function_arn == "arn:aws:lambda:us-east-1:123456789012:function:other:3");
  // Each accepted Update is a new revision (what the engine compares to find stale consumers);
  // one during a transition is refused and changes nothing.
  CHECK(created.value().mapping.revision == 1);
  CHECK(m.revision == 4);
  u = parse_update_request(R"({"BatchSize":7})");
  auto refused = apply_update(u.value(), kCtx, m);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::ResourceInUse);
  CHECK(m.revision == 4);
  CHECK(m.batch_size == 500);
}

TEST_CASE("update: removals and refusals", "[api_models]") {
  auto created = parse_create_request(
      self_managed(R"("FilterCriteria":{"Filters":[{"Pattern":"{\"value\":{\"a\":[1]}}"}]})"),
      kCtx);
  REQUIRE(created.ok());
  auto m = created.value().mapping;
  m.state = MappingState::Enabled;
  REQUIRE(m.passthrough.count("FilterCriteria"));
  auto u = parse_update_request(R"({"FilterCriteria":{}})");
  REQUIRE(apply_update(u.value(), kCtx, m).ok());
  CHECK_FALSE(m.passthrough.count("FilterCriteria"));

  auto bad =
      parse_update_request(R"({"SelfManagedKafkaEventSourceConfig":{"ConsumerGroupId":"g"}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "Unsupported 'selfManagedKafkaEventSourceConfig.consumerGroupId' parameter for given event "
        "source mapping type.");
  bad = parse_update_request(R"({"Topics":["x"], "BatchSize": 0})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::Validation);

  u = parse_update_request(R"({"AmazonManagedKafkaEventSourceConfig":{}})");
  REQUIRE(u.ok());
  const auto before = to_json(m);
  CHECK_FALSE(apply_update(u.value(), kCtx, m).ok());
  CHECK(to_json(m) == before);  // nothing changes on error
}

TEST_CASE("duplicates: AWS's rule and message", "[api_models]") {
  auto a = parse_create_request(self_managed(), kCtx).value().mapping;
  a.uuid = "aaaaaaaa-0000-0000-0000-000000000000";
  auto b = parse_create_request(
               "{\"FunctionName\":\"orders\",\"Topics\":[\"t1\"],\"SelfManagedEventSource\":{"
               "\"Endpoints\":{\"KAFKA_BOOTSTRAP_SERVERS\":[\"k9:1\",\"k2:9092\"]}}," +
                   kVpc + "}",
               kCtx)
               .value()
               .mapping;
  auto msg = duplicate_message(a, b);
  REQUIRE(msg);
  CHECK(*msg ==
        "An event source mapping with event source (\"k9:1,k2:9092\"), function "
        "(\"arn:aws:lambda:us-east-1:123456789012:function:orders\"), topics (\"t1\") already "
        "exists. "
        "Please update or delete the existing mapping with UUID "
        "aaaaaaaa-0000-0000-0000-000000000000");
  b.bootstrap_servers = {"k9:1"};
  CHECK_FALSE(duplicate_message(a, b));
  auto c = parse_create_request(msk(), kCtx).value().mapping;
  auto d = c;
  c.uuid = "cccccccc-0000-0000-0000-000000000000";
  REQUIRE(duplicate_message(c, d));
  CHECK(duplicate_message(c, d)->rfind(
            "An event source mapping with event source arn (\"arn:aws:kafka:", 0) == 0);
  d.topics = {"other"};
  CHECK_FALSE(duplicate_message(c, d));
}

TEST_CASE("storage view round-trips every member", "[api_models]") {
  auto m =
      parse_create_request(
          msk(R"("StartingPosition":"AT_TIMESTAMP","StartingPositionTimestamp":1700000000.5,"BatchSize":7,)"
              R"("AmazonManagedKafkaEventSourceConfig":{"ConsumerGroupId":"grp"},"KMSKeyArn":"arn:aws:kms:us-east-1:123456789012:key/k",)"
              R"("FilterCriteria":{"Filters":[{"Pattern":"{\"value\":{\"a\":[1]}}"}]},"Enabled":false)"),
          kCtx)
          .value()
          .mapping;
  m.uuid = "dddddddd-0000-0000-0000-000000000000";
  auto back = mapping_from_storage(to_json(m, MappingView::Storage));
  REQUIRE(back.ok());
  CHECK(to_json(back.value(), MappingView::Storage) == to_json(m, MappingView::Storage));
  CHECK_FALSE(back.value().enabled);
  // List hides encrypted filter criteria as null; Get shows them.
  CHECK(to_json(m, MappingView::ListItem).find(R"("FilterCriteria":null)") != std::string::npos);
  CHECK(to_json(m).find(R"("FilterCriteria":{"Filters")") != std::string::npos);
}

TEST_CASE("list query: MaxItems caps at 100 and filters are validated", "[api_models]") {
  auto q = parse_list_query({{"MaxItems", "5000"}, {"FunctionName", "f:1"}});
  REQUIRE(q.ok());
  CHECK(q.value().max_items == 100);
  CHECK(q.value().function->qualifier == "1");
  auto bad = parse_list_query({{"MaxItems", "0"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("at 'maxItems'") != std::string::npos);
  CHECK_FALSE(parse_list_query({{"MaxItems", "abc"}}).ok());
}

TEST_CASE("tags: ARNs name mappings and requests are validated", "[api_models]") {
  auto uuid = mapping_uuid_from_arn(
      "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:11111111-2222-3333-4444-"
      "555555555555");
  REQUIRE(uuid.ok());
  CHECK(uuid.value() == "11111111-2222-3333-4444-555555555555");
  auto fn = mapping_uuid_from_arn("arn:aws:lambda:us-east-1:123456789012:function:f");
  REQUIRE_FALSE(fn.ok());
  CHECK(fn.error().code == ErrorCode::ResourceNotFound);
  CHECK(mapping_uuid_from_arn("nonsense").error().code == ErrorCode::Validation);
  CHECK(parse_tag_request(R"({"Tags":{"a":"b"}})").ok());
  CHECK(parse_tag_request(R"({})").error().code == ErrorCode::Validation);
  CHECK(parse_untag_query({}).error().code == ErrorCode::Validation);
}
