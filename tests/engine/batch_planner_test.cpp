#include "batch_planner.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <vector>

using namespace esm::engine;
using namespace std::chrono_literals;

namespace {

const Clock::time_point kT0 = Clock::time_point() + 1000s;

PartitionSnapshot part(std::int32_t id, std::size_t records, Clock::time_point buffered = kT0) {
  PartitionSnapshot p;
  p.partition = id;
  p.records = records;
  p.bytes = records * 100;
  p.first_buffered = buffered;
  return p;
}

BatchLimits limits(std::size_t batch_size, std::size_t max_payload = 1000000,
                   std::size_t per_record = 0) {
  return {batch_size, 500ms, max_payload, 100, 20, per_record};
}

// Every record adds 200 bytes, except those listed.
RecordBound bounds(std::map<std::pair<std::int32_t, std::size_t>, std::size_t> special = {}) {
  return [special](std::int32_t p, std::size_t i) {
    auto it = special.find({p, i});
    return it == special.end() ? 200 : it->second;
  };
}

}  // namespace

TEST_CASE("planner: when a batch goes, and what it takes", "[engine][planner]") {
  struct Row {
    const char* what;
    std::vector<PartitionSnapshot> partitions;
    BatchLimits limits;
    Clock::time_point now;
    std::optional<std::vector<PlannedPart>> expected;  // nothing: no batch now
  };
  auto retrying = part(2, 5);
  retrying.attempts = 3;
  auto not_yet = retrying;
  not_yet.retry_at = kT0 + 10s;
  auto half = part(2, 8);  // bisecting: its next batch is the first half of the failed four
  half.attempts = 1;
  half.cap = 2;
  auto busy = part(0, 50);
  busy.in_flight = true;
  const std::vector<Row> rows = {
      {"nothing buffered", {part(0, 0)}, limits(10), kT0 + 1s, std::nullopt},
      {"under BatchSize, inside the window", {part(0, 5)}, limits(10), kT0 + 100ms, std::nullopt},
      {"under BatchSize, window passed",
       {part(0, 5)},
       limits(10),
       kT0 + 500ms,
       std::vector<PlannedPart>{{0, 5}}},
      {"BatchSize reached: at once, BatchSize records",
       {part(0, 25)},
       limits(10),
       kT0,
       std::vector<PlannedPart>{{0, 10}}},
      {"BatchSize across partitions, in order",
       {part(0, 4), part(1, 4), part(2, 4)},
       limits(10),
       kT0,
       std::vector<PlannedPart>{{0, 4}, {1, 4}, {2, 2}}},
      {"a partition in flight waits; the others go",
       {busy, part(1, 3)},
       limits(3),
       kT0,
       std::vector<PlannedPart>{{1, 3}}},
      {"only a partition in flight", {busy}, limits(3), kT0 + 10s, std::nullopt},
      {"a due retry goes alone and first, at once",
       {part(0, 50), retrying},
       limits(10),
       kT0,
       std::vector<PlannedPart>{{2, 5}}},
      {"a retry takes no more than its cap (the failed records, or half of them)",
       {part(0, 50), half},
       limits(10),
       kT0,
       std::vector<PlannedPart>{{2, 2}}},
      {"a retry not due yet: the others go",
       {part(0, 50), not_yet},
       limits(10),
       kT0,
       std::vector<PlannedPart>{{0, 10}}},
      {"the payload limit cuts the batch",
       {part(0, 50)},
       limits(100, 100 + 20 + 5 * 200),
       kT0 + 1s,
       std::vector<PlannedPart>{{0, 5}}},
      {"the payload full in raw bytes goes before the window",
       {part(0, 30)},
       limits(100, 3000),
       kT0,
       std::vector<PlannedPart>{{0, 14}}},
      // 30 records: 4,000 bytes of base64 at least, 5,600 with what each record adds besides.
      {"records that would not fit in one event are a full payload, before the window",
       {part(0, 30)},
       limits(100, 5000, 50),
       kT0,
       std::vector<PlannedPart>{{0, 24}}},
      {"...which base64 of their bytes alone does not show",
       {part(0, 30)},
       limits(100, 5000),
       kT0,
       std::nullopt},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    const auto plan = plan_batch(row.partitions, row.limits, bounds(), kT0, row.now);
    REQUIRE(plan.has_value() == row.expected.has_value());
    if (plan) {
      CHECK(plan->parts == *row.expected);
      CHECK_FALSE(plan->single_over_bound);
    }
  }
}

TEST_CASE("planner: a retry's records are not sized again (they went in one event before)",
          "[engine][planner]") {
  auto retrying = part(0, 50);
  retrying.attempts = 1;
  retrying.cap = 30;
  const auto plan = plan_batch({retrying}, limits(100, 1000), bounds({{{0, 0}, 5000}}), kT0, kT0);
  REQUIRE(plan);
  CHECK(plan->parts == std::vector<PlannedPart>{{0, 30}});
  CHECK_FALSE(plan->single_over_bound);
  // A fresh batch of the same records is sized: its first record alone is over the limit.
  const auto fresh =
      plan_batch({part(0, 50)}, limits(100, 1000), bounds({{{0, 0}, 5000}}), kT0, kT0 + 1s);
  REQUIRE(fresh);
  CHECK(fresh->single_over_bound);
}

TEST_CASE("planner: the window runs from the later of the oldest record and the last completion",
          "[engine][planner]") {
  const auto last_completion = kT0 + 2s;
  CHECK_FALSE(plan_batch({part(0, 1)}, limits(10), bounds(), last_completion, kT0 + 2s + 100ms));
  CHECK(plan_batch({part(0, 1)}, limits(10), bounds(), last_completion, kT0 + 2s + 500ms));
}

TEST_CASE("planner: a record over the payload bound goes alone, flagged for the exact check",
          "[engine][planner]") {
  const auto plan =
      plan_batch({part(0, 3)}, limits(10, 1000), bounds({{{0, 0}, 5000}}), kT0, kT0 + 1s);
  REQUIRE(plan);
  CHECK(plan->parts == std::vector<PlannedPart>{{0, 1}});
  CHECK(plan->single_over_bound);
  // Behind smaller records, it waits for the next batch.
  const auto later =
      plan_batch({part(0, 3)}, limits(10, 1000), bounds({{{0, 2}, 5000}}), kT0, kT0 + 1s);
  REQUIRE(later);
  CHECK(later->parts == std::vector<PlannedPart>{{0, 2}});
  CHECK_FALSE(later->single_over_bound);
}
