#include "invocation_record.hpp"

#include <chrono>
#include <cstdio>

namespace esm::engine {

RecordedInvocation invoke_recorded(Invoker& invoker, const FunctionTarget& target,
                                   const std::string& payload, InvocationIds ids,
                                   const std::atomic<bool>& cancel, const HistorySettings& keep) {
  using Clock = std::chrono::steady_clock;
  RecordedInvocation out;
  auto& r = out.record;
  r.start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  const auto start = Clock::now();
  out.result = invoker.invoke(target, payload, ids, cancel);
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const auto& result = out.result;
  r.request_id = std::move(ids.request_id);
  r.payload_bytes = payload.size();
  r.duration_ms = out.seconds * 1000;
  static constexpr const char* kOutcomes[] = {"Success", "FunctionError", "Unreachable",
                                              "Cancelled"};
  r.outcome = kOutcomes[static_cast<int>(result.outcome)];
  if (result.outcome != InvokeResult::Outcome::Success) r.detail = result.detail;
  r.response_truncated = result.body.size() > keep.response_bytes;
  r.response = result.body.substr(0, keep.response_bytes);
  if (keep.event_bytes > 0) {
    r.event_truncated = payload.size() > keep.event_bytes;
    r.event = payload.substr(0, keep.event_bytes);
  }
  return out;
}

void add_ranges(api_models::InvocationRecord& r,
                std::span<const api_models::KafkaRecordView> views) {
  r.records += views.size();
  std::int32_t partition = -1;
  for (const auto& v : views) {
    if (r.ranges.empty() || v.partition != partition) {
      partition = v.partition;
      r.ranges.push_back(
          {std::string(v.topic) + "-" + std::to_string(v.partition), v.offset, v.offset, 0});
    }
    r.ranges.back().last_offset = v.offset;
    ++r.ranges.back().records;
  }
}

std::string describe(const api_models::InvocationRecord& r) {
  std::string out =
      "invocation " + r.request_id + ": " + std::to_string(r.records) + " record(s) (";
  for (std::size_t i = 0; i < r.ranges.size(); ++i) {
    if (i > 0) out += ", ";
    out += r.ranges[i].partition + " " + std::to_string(r.ranges[i].first_offset) + "-" +
           std::to_string(r.ranges[i].last_offset);
  }
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", r.duration_ms);
  out += "), " + std::to_string(r.payload_bytes) + " bytes, in " + took + " ms: " + r.outcome;
  if (!r.detail.empty()) out += " (" + r.detail + ")";
  return out;
}

}  // namespace esm::engine
