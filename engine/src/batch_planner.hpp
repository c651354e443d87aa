#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace esm::engine {

using Clock = std::chrono::steady_clock;

// What the planner needs to know of one assigned partition.
struct PartitionSnapshot {
  std::int32_t partition = 0;
  std::size_t records = 0;  // buffered and not in flight
  std::size_t bytes = 0;    // their keys and values
  int attempts = 0;         // failed attempts in a row; > 0: retrying
  std::size_t cap = 0;      // its next batch takes at most this many records (0: no limit)
  bool in_flight = false;   // a batch of it is being invoked
  Clock::time_point retry_at{};
  Clock::time_point first_buffered{};
};

struct BatchLimits {
  std::size_t batch_size = 100;
  std::chrono::milliseconds window{500};
  std::size_t max_payload = 0;    // the event may not pass this many bytes
  std::size_t envelope = 0;       // bytes of the event around its records
  std::size_t per_partition = 0;  // bytes one "topic-partition" group adds
  // What the record bound adds for every record besides its key, value and headers: with the
  // keys' and values' bytes, an estimate of the event's size that the bound never falls below.
  std::size_t per_record = 0;
};

// How many bytes the event grows by for record `index` (0 = front) of `partition`'s buffer.
using RecordBound = std::function<std::size_t(std::int32_t partition, std::size_t index)>;

struct PlannedPart {
  std::int32_t partition = 0;
  std::size_t count = 0;  // records taken from the front of its buffer
  bool operator==(const PlannedPart&) const = default;
};

struct BatchPlan {
  std::vector<PlannedPart> parts;  // partition by partition
  // The batch is one record whose size bound alone passes the payload limit: the caller checks
  // its exact size, and passes it over if it does not fit.
  bool single_over_bound = false;
};

// The batching stage (AWS closes a batch at BatchSize, at the window, or when the payload is
// full, reference §8.2): the next invocation to make now, or nothing. Pure: a function of the
// partitions, the limits, the clock and when the last invocation finished.
// - A partition being retried goes alone and first (its failures never hold back the others;
//   a healed function gets the failed batch before anything newer), with at most `cap` records
//   (the failed records, or half of them when bisecting); those records went in one event before,
//   so they are not sized again.
// - Otherwise every ready partition contributes, in the order given, up to BatchSize records
//   and the payload limit; a partition with a batch in flight or a retry not yet due waits.
// - A batch goes once BatchSize records are available, the payload would be full (the records
//   available would not fit in one event: their estimated size passes the payload limit), a
//   retry is due, or the window since the oldest buffered record (or the last completion, if
//   later) has passed.
std::optional<BatchPlan> plan_batch(const std::vector<PartitionSnapshot>& partitions,
                                    const BatchLimits& limits, const RecordBound& bound,
                                    Clock::time_point last_completion, Clock::time_point now);

}  // namespace esm::engine
