#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_models/error.hpp"
#include "api_models/function_name.hpp"
#include "api_models/mapping.hpp"

namespace esm::api_models {

// Where a request lands: the region (credential scope or --region) and account for new ARNs.
struct RequestContext {
  std::string region;
  std::string account_id;
  // Why ConsumptionMode Queue is refused here (it depends on the librdkafka found).
  std::string queue_mode_refusal = "ConsumptionMode Queue is not supported by this emulator.";
};

using Tags = std::map<std::string, std::string>;

struct CreateRequest {
  EventSourceMapping mapping;  // everything but the UUID; State Creating
  FunctionRef function;
  Tags tags;
};

// Parses and validates a CreateEventSourceMapping body: the model's shape constraints first
// (ValidationException), then the Kafka rules of reference §6.1 (InvalidParameterValue).
Result<CreateRequest> parse_create_request(std::string_view body, const RequestContext& ctx);

// A validated UpdateEventSourceMapping body, applied to the stored mapping by apply_update.
struct UpdateRequest {
  std::optional<FunctionRef> function;
  std::optional<bool> enabled;
  std::optional<int> batch_size;
  std::optional<int> maximum_batching_window_s;
  std::optional<std::vector<SourceAccessConfiguration>> source_access_configurations;
  std::map<std::string, std::optional<std::string>> passthrough;  // nullopt: remove the member
  std::optional<std::string> kafka_block;  // which Kafka config block was sent, if any
  std::optional<std::optional<std::string>> schema_registry_config;
};
Result<UpdateRequest> parse_update_request(std::string_view body);

// Applies `update` to `mapping` (checks that need the stored mapping happen here), sets the
// transitional State the response reports and bumps LastModified. Nothing changes on error.
Result<Ok> apply_update(const UpdateRequest& update, const RequestContext& ctx,
                        EventSourceMapping& mapping);

// Validates a path UUID the way the model does (exactly 36 characters).
Result<Ok> validate_uuid(std::string_view uuid);

struct ListQuery {
  std::optional<std::string> event_source_arn;
  std::optional<FunctionRef> function;
  std::optional<std::string> marker;
  int max_items = 100;
};
// From the decoded query parameters of ListEventSourceMappings.
Result<ListQuery> parse_list_query(const std::multimap<std::string, std::string>& query);

// TagResource body, and the ARN in the tag paths.
Result<Tags> parse_tag_request(std::string_view body);
Result<std::vector<std::string>> parse_untag_query(
    const std::multimap<std::string, std::string>& query);
// The mapping UUID an ARN names, or ResourceNotFound/Validation as AWS answers.
Result<std::string> mapping_uuid_from_arn(std::string_view arn);

}  // namespace esm::api_models
