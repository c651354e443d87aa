#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esm::api_models {

// True when `pattern` is a filter pattern Lambda accepts (reference/aws-esm-kafka.md §9): a
// non-empty JSON object whose leaves are non-empty arrays of match rules (values, null, or one of
// equals-ignore-case, anything-but, numeric, exists, prefix, suffix), with "$or" lists.
bool is_valid_filter_pattern(std::string_view pattern);

// The top-level fields a (valid) pattern names besides "value" (also inside a top-level "$or"):
// Kafka records are filtered on their value only, so a condition on another field only holds
// as "exists": false (Create and Update log a warning naming them).
std::vector<std::string> fields_besides_value(std::string_view pattern);

// A mapping's FilterCriteria compiled once (at Create/Update, when the runner starts): up to five
// patterns, ORed. Matching follows AWS's EventBridge pattern engine (software.amazon.event.ruler),
// which tests/integration/test_filter_oracle.py checks it against: fields side by side are ANDed,
// values in one list ORed, an array in the data matches when any element does, objects inside an
// array are matched element by element, and `exists` looks at leaves only (null is a value).
// Immutable after compile; shared by the threads of a runner without locks.
class RecordFilter {
 public:
  struct Node;
  // nullopt when one of the patterns is not valid.
  static std::optional<RecordFilter> compile(const std::vector<std::string>& patterns);

  // Whether any pattern matches the event, given as JSON text (an object).
  bool matches_event(std::string_view event_json) const;
  // Whether a Kafka record passes (§8.10): the patterns see {"value": V}, where V is the record's
  // value parsed as JSON when it is valid JSON, else the value as one string. A value that is not
  // UTF-8 passes no filter; a record without a value (a tombstone) is matched as {}.
  bool matches_kafka_value(std::optional<std::string_view> value) const;

 private:
  std::vector<std::shared_ptr<const Node>> patterns_;
};

}  // namespace esm::api_models
