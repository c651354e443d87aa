#include "batch_planner.hpp"

#include <algorithm>

#include "api_models/kafka_event.hpp"

namespace esm::engine {

namespace {

bool ready(const PartitionSnapshot& p, Clock::time_point now) {
  return p.records > 0 && !p.in_flight && p.retry_at <= now;
}

// Whether what is available makes a batch go now.
bool due(const std::vector<PartitionSnapshot>& partitions, const BatchLimits& limits,
         Clock::time_point last_completion, Clock::time_point now) {
  std::size_t available = 0;
  std::size_t bytes = 0;
  bool retrying = false;
  Clock::time_point oldest = Clock::time_point::max();
  for (const auto& p : partitions) {
    if (!ready(p, now)) continue;
    available += p.records;
    bytes += p.bytes;
    retrying = retrying || p.attempts > 0;
    oldest = std::min(oldest, p.first_buffered);
  }
  if (available == 0) return false;
  // No more than the records' bounds add up to, so when it passes the limit the batch would be
  // cut by the payload: it is full.
  const std::size_t estimate = limits.envelope + api_models::kafka_payload_lower_bound(bytes) +
                               available * limits.per_record;
  const bool payload_full = estimate >= limits.max_payload;
  const auto window_start = std::max(oldest, last_completion);
  return available >= limits.batch_size || payload_full || retrying ||
         now - window_start >= limits.window;
}

// Which partitions contribute, in order.
std::vector<std::int32_t> contributors(const std::vector<PartitionSnapshot>& partitions,
                                       Clock::time_point now) {
  std::vector<std::int32_t> order;
  for (const auto& p : partitions) {
    if (p.attempts > 0 && ready(p, now)) return {p.partition};
  }
  for (const auto& p : partitions) {
    if (p.attempts == 0 && ready(p, now)) order.push_back(p.partition);
  }
  return order;
}

}  // namespace

std::optional<BatchPlan> plan_batch(const std::vector<PartitionSnapshot>& partitions,
                                    const BatchLimits& limits, const RecordBound& bound,
                                    Clock::time_point last_completion, Clock::time_point now) {
  if (!due(partitions, limits, last_completion, now)) return std::nullopt;
  BatchPlan plan;
  std::size_t size = limits.envelope;
  std::size_t taken = 0;
  for (const std::int32_t id : contributors(partitions, now)) {
    const auto& p = *std::find_if(partitions.begin(), partitions.end(),
                                  [&](const PartitionSnapshot& s) { return s.partition == id; });
    size += limits.per_partition;
    PlannedPart part{id, 0};
    bool full = false;
    const std::size_t records = p.cap > 0 ? std::min(p.records, p.cap) : p.records;
    if (p.cap > 0 && taken == 0) {
      // A retry's records went in one event before (or with more records): they fit unsized.
      part.count = std::min(records, limits.batch_size);
      plan.parts.push_back(part);
      return plan;
    }
    for (std::size_t i = 0; i < records; ++i) {
      if (taken >= limits.batch_size) {
        full = true;
        break;
      }
      const std::size_t b = bound(id, i);
      if (size + b > limits.max_payload) {
        full = true;
        if (taken == 0) {
          plan.parts.push_back({id, 1});
          plan.single_over_bound = true;
          return plan;
        }
        break;
      }
      size += b;
      ++part.count;
      ++taken;
    }
    if (part.count > 0) plan.parts.push_back(part);
    if (full) break;
  }
  if (plan.parts.empty()) return std::nullopt;
  return plan;
}

}  // namespace esm::engine
