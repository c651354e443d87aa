#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "api_models/offset_reset.hpp"

namespace esm::engine {

// Sets the committed offsets of `group` on `topic` through Kafka's admin API
// (AlterConsumerGroupOffsets), for a group with no active member: every partition to its
// earliest or latest offset or to the first record at or after a time, or the partitions named
// to explicit offsets (each within the partition's range). `client_properties` connect to the
// cluster (bootstrap.servers, security). Returns what was set; on any refusal nothing is set
// (validation is done before the one request that alters). `scan_for_time`: find a time's
// offsets by reading the records (for the embedded cluster). Blocks up to `timeout`.
api_models::Result<std::vector<api_models::PartitionOffset>> reset_group_offsets(
    const std::map<std::string, std::string>& client_properties, const std::string& group,
    const std::string& topic, const api_models::OffsetReset& reset, bool scan_for_time,
    std::chrono::milliseconds timeout);

}  // namespace esm::engine
