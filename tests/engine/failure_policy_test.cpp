#include "failure_policy.hpp"

#include <catch2/catch.hpp>

using namespace esm::engine;

TEST_CASE("failure policy: retry, bisect or give up", "[engine][failure]") {
  struct Row {
    const char* what;
    ErrorHandling h;
    int retries;
    std::size_t records;
    bool reached;
    bool whole;
    FailureAction expected;
  };
  ErrorHandling none;
  ErrorHandling one;
  one.maximum_retry_attempts = 1;
  ErrorHandling zero_bisect;
  zero_bisect.maximum_retry_attempts = 0;
  zero_bisect.bisect = true;
  ErrorHandling forever_dest;
  forever_dest.has_destination = true;
  const Row rows[] = {
      {"no limit: always retried", none, 500, 10, true, true, FailureAction::Retry},
      {"limit 1, first failure", one, 0, 10, true, true, FailureAction::Retry},
      {"limit 1, after one retry", one, 1, 10, true, true, FailureAction::GiveUp},
      {"unreachable is never given up", one, 5, 10, false, true, FailureAction::Retry},
      {"bisect a batch", zero_bisect, 0, 2, true, true, FailureAction::Bisect},
      {"bisect down to one record, then the limit", zero_bisect, 0, 1, true, true,
       FailureAction::GiveUp},
      {"a partial failure is not bisected: the limit applies", zero_bisect, 0, 5, true, false,
       FailureAction::GiveUp},
      {"-1 with a destination stops at 10", forever_dest, 9, 1, true, true, FailureAction::Retry},
      {"-1 with a destination stops at 10 (after)", forever_dest, 10, 1, true, true,
       FailureAction::GiveUp},
  };
  for (const auto& r : rows) {
    INFO(r.what);
    CHECK(on_failure(r.h, r.retries, r.records, r.reached, r.whole) == r.expected);
  }
}

TEST_CASE("failure policy: record age", "[engine][failure]") {
  ErrorHandling h;
  CHECK_FALSE(h.expired(0, 1'000'000'000));
  h.maximum_record_age_s = 60;
  CHECK_FALSE(h.expired(1'000'000, 1'060'000));
  CHECK(h.expired(1'000'000, 1'060'001));
}
