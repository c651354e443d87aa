#pragma once

#include <atomic>
#include <span>
#include <string>
#include <vector>

#include "api_models/kafka_event.hpp"
#include "api_models/mapping_status.hpp"
#include "engine/invoker.hpp"
#include "engine/mapping_metrics.hpp"

namespace esm::engine {

// One call of a function and what the status API keeps of it.
struct RecordedInvocation {
  InvokeResult result;
  api_models::InvocationRecord record;  // request id, times, outcome, answer, event (capped)
  double seconds = 0;                   // how long the call took
};

// Calls `target` with `payload` on the calling thread and records the call as `keep` says; the
// record's partition ranges are left to the caller.
RecordedInvocation invoke_recorded(Invoker& invoker, const FunctionTarget& target,
                                   const std::string& payload, InvocationIds ids,
                                   const std::atomic<bool>& cancel, const HistorySettings& keep);

// The records an invocation carried, as ranges per partition. Views come partition by
// partition in offset order (gaps where records were passed over).
void add_ranges(api_models::InvocationRecord& r,
                std::span<const api_models::KafkaRecordView> views);

// One invocation in a line (at DEBUG): "invocation ID: 3 record(s) (t-1 0-2), 812 bytes, in
// 2.1 ms: Success".
std::string describe(const api_models::InvocationRecord& r);

}  // namespace esm::engine
