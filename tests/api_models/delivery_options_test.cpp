#include "api_models/delivery_options.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "api_models/requests.hpp"

using namespace esm::api_models;

namespace {
const RequestContext kCtx{"us-east-1", "123456789012"};

EventSourceMapping created(const std::string& extra) {
  auto r = parse_create_request(
      R"({"FunctionName":"orders","Topics":["t1"],)"
      R"("SelfManagedEventSource":{"Endpoints":{"KAFKA_BOOTSTRAP_SERVERS":["127.0.0.1:9092"]}},)"
      R"("SourceAccessConfigurations":[{"Type":"VPC_SUBNET","URI":"subnet:subnet-1"}])" +
          (extra.empty() ? "" : "," + extra) + "}",
      kCtx);
  REQUIRE(r.ok());
  return r.value().mapping;
}
}  // namespace

TEST_CASE("delivery options: AWS's defaults when nothing is set", "[api_models]") {
  const auto o = delivery_options(created(""));
  CHECK(o.filter_patterns.empty());
  CHECK_FALSE(o.on_failure_destination);
  CHECK(o.maximum_retry_attempts == -1);
  CHECK(o.maximum_record_age_s == -1);
  CHECK_FALSE(o.bisect_batch_on_function_error);
  CHECK_FALSE(o.report_batch_item_failures);
  CHECK_FALSE(o.provisioned());
  CHECK(o.metrics.empty());
  CHECK(o.consumption_mode == "Stream");
  CHECK_FALSE(o.schema_registry_uri);
}

TEST_CASE("delivery options: every member typed as the request gave it", "[api_models]") {
  const auto o = delivery_options(created(
      R"("FilterCriteria":{"Filters":[{"Pattern":"{\"value\":{\"a\":[1]}}"},{"Pattern":"{\"value\":[\"x\"]}"}]},)"
      R"("ProvisionedPollerConfig":{"MinimumPollers":2,"MaximumPollers":5},"MaximumRetryAttempts":3,)"
      R"("MaximumRecordAgeInSeconds":600,"BisectBatchOnFunctionError":true,)"
      R"("FunctionResponseTypes":["ReportBatchItemFailures"],)"
      R"("DestinationConfig":{"OnFailure":{"Destination":"kafka://dlq"}},)"
      R"("MetricsConfig":{"Metrics":["EventCount","ErrorCount"]},"LoggingConfig":{"SystemLogLevel":"DEBUG"},)"
      R"("SelfManagedKafkaEventSourceConfig":{"ConsumerGroupId":"g","SchemaRegistryConfig":)"
      R"({"SchemaRegistryURI":"http://127.0.0.1:8081","EventRecordFormat":"JSON",)"
      R"("SchemaValidationConfigs":[{"Attribute":"VALUE"}]}})"));
  CHECK(o.filter_patterns ==
        std::vector<std::string>{R"({"value":{"a":[1]}})", R"({"value":["x"]})"});
  CHECK(o.on_failure_destination == "kafka://dlq");
  CHECK(o.maximum_retry_attempts == 3);
  CHECK(o.maximum_record_age_s == 600);
  CHECK(o.bisect_batch_on_function_error);
  CHECK(o.report_batch_item_failures);
  CHECK(o.minimum_pollers == 2);
  CHECK(o.maximum_pollers == 5);
  CHECK(o.provisioned());
  CHECK(o.metrics == std::vector<std::string>{"EventCount", "ErrorCount"});
  CHECK(o.system_log_level == "DEBUG");
  CHECK(o.schema_registry_uri == "http://127.0.0.1:8081");
  CHECK(o.event_record_format == "JSON");
}
