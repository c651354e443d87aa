#pragma once

// PUT /_esm/mappings/{UUID}/offsets (README, "Offset reset"): where a Disabled mapping's consumer
// group resumes. The request names one position for every partition of the topic, or explicit
// offsets for some; the answer lists the offsets the group holds now.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api_models/error.hpp"

namespace esm::api_models {

struct PartitionOffset {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

struct OffsetReset {
  enum class Position { TrimHorizon, Latest, AtTimestamp, Explicit };
  Position position = Position::TrimHorizon;
  std::int64_t timestamp_ms = 0;         // AtTimestamp: the first record at or after it
  std::vector<PartitionOffset> offsets;  // Explicit
};

// {"Position":"TRIM_HORIZON"|"LATEST"} | {"Position":"AT_TIMESTAMP","Timestamp":EPOCH_SECONDS}
// | {"Offsets":[{"Partition":N,"Offset":N},...]}; anything else is an
// InvalidParameterValueException naming the member.
Result<OffsetReset> parse_offset_reset(std::string_view body);

// {"UUID":...,"ConsumerGroupId":...,"Topic":...,"Partitions":[{"Partition":N,"Offset":N},...]}
std::string offset_reset_json(const std::string& uuid, const std::string& group,
                              const std::string& topic, const std::vector<PartitionOffset>& set);

}  // namespace esm::api_models
