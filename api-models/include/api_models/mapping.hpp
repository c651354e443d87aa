#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esm::api_models {

enum class MappingState { Creating, Enabling, Enabled, Disabling, Disabled, Updating, Deleting };

std::string_view to_string(MappingState state);
std::optional<MappingState> parse_state(std::string_view text);
// Creating/Enabling/Disabling/Updating/Deleting: Update and Delete answer ResourceInUse.
bool is_transitional(MappingState state);

inline constexpr int kDefaultBatchSize = 100;
inline constexpr std::string_view kUserInitiated = "USER_INITIATED";
inline constexpr std::string_view kNoRecordsProcessed = "No records processed";

struct SourceAccessConfiguration {
  std::string type;  // BASIC_AUTH, SASL_SCRAM_512_AUTH, VPC_SUBNET, ...
  std::string uri;
  bool operator==(const SourceAccessConfiguration&) const = default;
};

// One Kafka event source mapping: its configuration as the API accepted it, and the status
// fields the engine reports. Plain data; copied freely between modules.
struct EventSourceMapping {
  std::string uuid;
  std::string region;                           // of the EventSourceMappingArn
  std::string account_id;                       // of the EventSourceMappingArn
  std::string function_arn;                     // resolved; keeps the qualifier as given
  std::optional<std::string> event_source_arn;  // MSK cluster (or VPC connection) ARN
  std::vector<std::string> bootstrap_servers;   // self-managed KAFKA_BOOTSTRAP_SERVERS
  std::vector<std::string> topics;
  std::string starting_position = "TRIM_HORIZON";
  std::optional<double> starting_position_timestamp;  // epoch seconds
  int batch_size = kDefaultBatchSize;
  std::optional<int> maximum_batching_window_s;  // unset: Kafka's 500 ms default, not echoed
  std::vector<SourceAccessConfiguration> source_access_configurations;
  std::string consumer_group_id;  // defaults to the UUID
  // SelfManagedKafkaEventSourceConfig.ConsumptionMode as given (Stream; Queue is refused).
  std::optional<std::string> consumption_mode;
  // Members the engine does not interpret yet, kept as canonical JSON text by member name
  // (FilterCriteria, DestinationConfig, KMSKeyArn, MetricsConfig, LoggingConfig, ...).
  std::map<std::string, std::string> passthrough;
  // SchemaRegistryConfig inside the Kafka config block, as JSON text.
  std::optional<std::string> schema_registry_config;

  bool enabled = true;  // what the user asked for; State tells what is true now
  MappingState state = MappingState::Creating;
  std::string state_transition_reason{kUserInitiated};
  std::string last_processing_result{kNoRecordsProcessed};
  double last_modified = 0;  // epoch seconds, millisecond precision
  // 1 at Create, one more at each accepted Update: which configuration a consumer runs (two
  // Updates may share a LastModified millisecond). Stored, never returned by the API.
  std::uint64_t revision = 0;
  double created_at = 0;  // epoch seconds; LATEST is pinned to it (never returned by the API)

  bool self_managed() const { return !event_source_arn.has_value(); }
  std::string mapping_arn() const;
  // The group the consumer joins: ConsumerGroupId, else the UUID.
  const std::string& group_id() const {
    return consumer_group_id.empty() ? uuid : consumer_group_id;
  }
};

// Epoch seconds with millisecond precision, as AWS's timestamps.
double now_epoch_seconds();

// AWS's duplicate rule (§6.2): same function ARN and topic, and for self-managed at least one
// bootstrap server in common, for MSK the same cluster ARN. Returns the 409 message or nothing.
std::optional<std::string> duplicate_message(const EventSourceMapping& existing,
                                             const EventSourceMapping& candidate);

}  // namespace esm::api_models
