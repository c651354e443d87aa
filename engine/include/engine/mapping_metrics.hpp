#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api_models/mapping_status.hpp"

namespace esm::engine {

// A cumulative histogram with fixed upper bounds, updated lock-free by any thread.
template <std::size_t N>
class Histogram {
 public:
  explicit constexpr Histogram(std::array<double, N> bounds) : bounds_(bounds) {}
  void observe(double value) {
    std::size_t i = 0;
    while (i < N && value > bounds_[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    // The sum in millionths: an atomic double needs a CAS loop, this does not.
    sum_millionths_.fetch_add(static_cast<std::uint64_t>(value * 1e6), std::memory_order_relaxed);
  }
  const std::array<double, N>& bounds() const { return bounds_; }
  // Observations at or below bounds()[i] (i == N: all of them).
  std::uint64_t cumulative(std::size_t i) const {
    std::uint64_t n = 0;
    for (std::size_t j = 0; j <= i && j <= N; ++j) n += buckets_[j].load(std::memory_order_relaxed);
    return n;
  }
  double sum() const {
    return static_cast<double>(sum_millionths_.load(std::memory_order_relaxed)) / 1e6;
  }

 private:
  const std::array<double, N> bounds_;
  std::array<std::atomic<std::uint64_t>, N + 1> buckets_{};
  std::atomic<std::uint64_t> sum_millionths_{0};
};

// One assigned partition as the consumer last saw it.
struct PartitionProgress {
  std::int32_t partition = 0;
  std::int64_t committed = -1;       // the next offset the group will read (-1: not known yet)
  std::int64_t high_watermark = -1;  // one past the last offset in the partition (-1: unknown)
  // AWS's OffsetLag for the partition: records written that the group has not processed (0
  // while either end is not known yet).
  std::int64_t lag() const {
    if (high_watermark < 0 || committed < 0) return 0;
    return std::max<std::int64_t>(high_watermark - committed, 0);
  }
};

// What one mapping did since the emulator started, for GET /metrics: counted by its runners'
// threads with relaxed atomics (no lock on the delivery path), read by any thread. Owned by the
// engine, one per mapping UUID, kept across the runners an Update or a restart makes.
// The event counts are those of AWS's event source mapping metrics (EventCount group).
struct MappingMetrics {
  std::atomic<std::uint64_t> polled{0};         // PolledEventCount: records read from Kafka
  std::atomic<std::uint64_t> filtered_out{0};   // FilteredOutEventCount
  std::atomic<std::uint64_t> invoked{0};        // InvokedEventCount: records sent, any outcome
  std::atomic<std::uint64_t> failed_invoke{0};  // FailedInvokeEventCount: sent, the call failed
  std::atomic<std::uint64_t> dropped{0};        // DroppedEventCount: given up, no destination
  std::atomic<std::uint64_t> on_failure_delivered{0};  // OnFailureDestinationDeliveredEventCount
  std::atomic<std::uint64_t> invocations{0};
  std::atomic<std::uint64_t> function_errors{0};       // the function answered with an error
  std::atomic<std::uint64_t> function_unreachable{0};  // it could not be reached
  std::atomic<std::uint64_t> destination_failures{0};  // writes the destination did not take
  // Records the schema registry stage could not decode (sent to the destination, or dropped).
  std::atomic<std::uint64_t> schema_not_found{0};
  std::atomic<std::uint64_t> deserialization_errors{0};
  Histogram<10> duration_seconds{{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10}};
  Histogram<8> batch_records{{1, 10, 100, 500, 1000, 2000, 5000, 10000}};

  // The partitions the consumer holds: replaced by its thread about once a second.
  void set_partitions(std::vector<PartitionProgress> now) {
    std::lock_guard lock(mutex_);
    partitions_ = std::move(now);
  }
  std::vector<PartitionProgress> partitions() const {
    std::lock_guard lock(mutex_);
    return partitions_;
  }

  // The last invocations, for the status API: added by the invocation workers, one lock per
  // invocation (shared with a status read alone); the oldest go past `capacity`.
  void record_invocation(api_models::InvocationRecord r, std::size_t capacity) {
    std::lock_guard lock(history_mutex_);
    if (capacity == 0) return;
    history_.push_back(std::move(r));
    while (history_.size() > capacity) history_.pop_front();
  }
  std::vector<api_models::InvocationRecord> recent_invocations() const {
    std::lock_guard lock(history_mutex_);
    return {history_.begin(), history_.end()};
  }
  std::optional<api_models::InvocationRecord> find_invocation(const std::string& request_id) const {
    std::lock_guard lock(history_mutex_);
    for (const auto& r : history_)
      if (r.request_id == request_id) return r;
    return std::nullopt;
  }
  // The last PROBLEM the consumer reported, and when.
  void set_last_error(std::string message, std::int64_t epoch_ms) {
    std::lock_guard lock(history_mutex_);
    last_error_ = std::move(message);
    last_error_ms_ = epoch_ms;
  }
  std::pair<std::optional<std::string>, std::int64_t> last_error() const {
    std::lock_guard lock(history_mutex_);
    return {last_error_, last_error_ms_};
  }

 private:
  mutable std::mutex mutex_;  // a scrape and the once-a-second update only
  std::vector<PartitionProgress> partitions_;
  mutable std::mutex history_mutex_;
  std::deque<api_models::InvocationRecord> history_;
  std::optional<std::string> last_error_;
  std::int64_t last_error_ms_ = 0;
};

// What the status API keeps of each invocation.
struct HistorySettings {
  std::size_t invocations = 100;      // per mapping (--invocation-history)
  std::size_t event_bytes = 16384;    // of each event (--invocation-event-bytes; 0: none)
  std::size_t response_bytes = 4096;  // of each answer
};

}  // namespace esm::engine
