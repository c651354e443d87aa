#pragma once

#include <optional>
#include <string>

namespace esm::api_models {

// The lines Lambda writes to CloudWatch around each invocation, as it formats them.
struct InvocationReport {
  std::string request_id;
  double duration_ms = 0;
  int memory_mb = 128;
  long max_memory_used_mb = 0;
  std::optional<double> init_duration_ms;  // a cold start's
};
std::string start_line(const std::string& request_id);  // START RequestId: ... Version: $LATEST
std::string end_line(const std::string& request_id);    // END RequestId: ...
// REPORT RequestId: ...\tDuration: ...\tBilled Duration: ...\tMemory Size: ...\tMax Memory Used:
// ...[\tInit Duration: ...]
std::string report_line(const InvocationReport& r);

}  // namespace esm::api_models
