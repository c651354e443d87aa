#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace esm::api_models {

// One entry of a function's batchItemFailures: the record it could not process.
struct ItemFailure {
  std::string partition;  // "topic-partition", as the event's records are keyed
  std::int64_t offset = 0;
};

// A function's answer read as a partial batch response (FunctionResponseTypes
// ReportBatchItemFailures; reference §8.7).
struct BatchItemFailures {
  bool whole_batch_failed = false;  // the answer cannot be read as one: every record failed
  std::vector<ItemFailure> items;   // empty (and not whole_batch_failed): all succeeded
};

// Reads the response body:
// - success: empty body, `null`, `{}`, an object without batchItemFailures, batchItemFailures
//   null or [];
// - the listed records failed: every entry is {"itemIdentifier": {"partition": "topic-N",
//   "offset": N}} (offset an integer, or a string of decimal digits);
// - the whole batch failed: anything else (not JSON, not an object, an entry without a
//   readable identifier). Whether each identifier names a record of the batch is the caller's
//   to check (one that does not also fails the whole batch).
BatchItemFailures parse_batch_item_failures(std::string_view body);

}  // namespace esm::api_models
