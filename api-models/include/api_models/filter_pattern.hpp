#pragma once

#include <string_view>

namespace esm::api_models {

// True when `pattern` is a filter pattern Lambda accepts (reference/aws-esm-kafka.md §9): a
// non-empty JSON object whose leaves are non-empty arrays of match rules (values, null, or one of
// equals-ignore-case, anything-but, numeric, exists, prefix, suffix), with "$or" lists.
bool is_valid_filter_pattern(std::string_view pattern);

}  // namespace esm::api_models
