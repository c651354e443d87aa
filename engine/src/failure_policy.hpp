#pragma once

#include <cstddef>
#include <cstdint>

namespace esm::engine {

// The mapping's error-handling settings (reference §8.7), as the outcome stage applies them.
struct ErrorHandling {
  int maximum_retry_attempts = -1;  // -1: no limit
  int maximum_record_age_s = -1;    // -1: no limit
  bool bisect = false;              // BisectBatchOnFunctionError
  bool report_batch_item_failures = false;
  bool has_destination = false;  // DestinationConfig.OnFailure

  // Retries allowed after the first attempt; -1: no limit. AWS stops at 10 when the limit is
  // "none" and failed records have somewhere to go.
  int retry_limit() const {
    if (maximum_retry_attempts >= 0) return maximum_retry_attempts;
    return has_destination ? 10 : -1;
  }
  // Whether a record with this Kafka timestamp is too old to be sent at `now_ms`.
  bool expired(std::int64_t timestamp_ms, std::int64_t now_ms) const {
    return maximum_record_age_s >= 0 &&
           now_ms - timestamp_ms > static_cast<std::int64_t>(maximum_record_age_s) * 1000;
  }
};

// What becomes of records the function failed for.
enum class FailureAction {
  Retry,   // send them again (after a backoff)
  Bisect,  // send them again as two halves, each on its own
  GiveUp,  // the retries are used up: to the on-failure destination, or passed over
};

// `retries` is how many retries these records have had (0 after the first attempt).
// - The function could not be reached at all: retried without limit, and not counted
//   (AWS: errors where the batch never reached the function are not retries).
// - A function error on a batch of several records, with bisect on: split, not counted
//   (as AWS documents for stream sources: splitting a batch does not count towards the retry
//   quota), so the halves narrow down to the record that fails.
// - Otherwise a retry while the limit allows one, then give up.
inline FailureAction on_failure(const ErrorHandling& h, int retries, std::size_t records,
                                bool reached_function, bool whole_batch) {
  if (!reached_function) return FailureAction::Retry;
  if (h.bisect && whole_batch && records > 1) return FailureAction::Bisect;
  const int limit = h.retry_limit();
  if (limit < 0 || retries < limit) return FailureAction::Retry;
  return FailureAction::GiveUp;
}

}  // namespace esm::engine
