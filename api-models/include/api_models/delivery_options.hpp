#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api_models/mapping.hpp"

namespace esm::api_models {

// The request members that shape delivery, typed: what the engine's stages read. The mapping
// keeps these members as the JSON text responses echo (EventSourceMapping::passthrough,
// schema_registry_config); this is the one reader of that text. Defaults are AWS's (§3.4).
struct DeliveryOptions {
  std::vector<std::string> filter_patterns;           // FilterCriteria.Filters[].Pattern
  std::optional<std::string> on_failure_destination;  // DestinationConfig.OnFailure.Destination
  int maximum_retry_attempts = -1;                    // -1: until the record expires
  int maximum_record_age_s = -1;                      // -1: no limit
  bool bisect_batch_on_function_error = false;
  bool report_batch_item_failures = false;  // FunctionResponseTypes has ReportBatchItemFailures
  std::optional<int> minimum_pollers;       // ProvisionedPollerConfig
  std::optional<int> maximum_pollers;
  std::optional<std::string> poller_group_name;
  std::vector<std::string> metrics;                // MetricsConfig.Metrics
  std::optional<std::string> system_log_level;     // LoggingConfig.SystemLogLevel
  std::string consumption_mode = "Stream";         // SelfManagedKafkaEventSourceConfig
  std::optional<std::string> schema_registry_uri;  // SchemaRegistryConfig.SchemaRegistryURI
  std::optional<std::string> event_record_format;  // SchemaRegistryConfig.EventRecordFormat
  // SchemaRegistryConfig.AccessConfigs: Type and URI (a secret's ARN) of each.
  std::vector<std::pair<std::string, std::string>> schema_registry_access;
  std::vector<std::string> schema_validation_attributes;  // SchemaValidationConfigs[].Attribute

  bool provisioned() const { return minimum_pollers || maximum_pollers || poller_group_name; }
};

DeliveryOptions delivery_options(const EventSourceMapping& m);

}  // namespace esm::api_models
