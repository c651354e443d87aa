#pragma once

// The status API's documents (README, "Status API"): what a mapping's consumer holds and what
// its last invocations sent and got back. Plain data filled by the engine; the JSON is here,
// with every other document the emulator answers with.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api_models/mapping.hpp"

namespace esm::api_models {

// One invocation as the function saw it.
struct InvocationRecord {
  struct Range {
    std::string partition;  // "topic-N"
    std::int64_t first_offset = 0, last_offset = 0;
    std::size_t records = 0;
  };
  std::string request_id;
  std::vector<Range> ranges;
  std::size_t records = 0;
  std::size_t payload_bytes = 0;
  std::int64_t start_ms = 0;  // epoch milliseconds
  double duration_ms = 0;
  std::string outcome;   // Success, FunctionError, Unreachable, Cancelled
  std::string detail;    // the error text, for a failure
  std::string response;  // the function's answer, capped
  bool response_truncated = false;
  std::optional<std::string> event;  // the event as sent, capped; none when not recorded
  bool event_truncated = false;
  std::optional<std::string> replay_of;  // the request id replayed, for a replay
};

struct PartitionStatus {
  std::int32_t partition = 0;
  std::int64_t committed_offset = -1;  // -1: not known yet
  std::int64_t high_watermark = -1;
  std::int64_t lag = 0;
};

struct MappingStatus {
  EventSourceMapping mapping;  // State, StateTransitionReason, LastProcessingResult, ...
  bool consumer_running = false;
  std::vector<PartitionStatus> partitions;
  std::optional<std::string> last_error;  // the last PROBLEM its consumer reported
  std::int64_t last_error_ms = 0;
  std::vector<InvocationRecord> invocations;  // oldest first; only in the one-mapping document
};

// GET /_esm/mappings: {"Mappings":[summary...]}; GET /_esm/mappings/{UUID}: one, with its
// "Invocations".
std::string mapping_status_json(const MappingStatus& status, bool with_invocations);
std::string mapping_status_list_json(const std::vector<MappingStatus>& statuses);
// One of "Invocations" alone (the answer to a replay).
std::string invocation_record_json(const InvocationRecord& record);

}  // namespace esm::api_models
