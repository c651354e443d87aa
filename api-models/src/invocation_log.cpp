#include "api_models/invocation_log.hpp"

#include <cstdio>

namespace esm::api_models {

std::string start_line(const std::string& request_id) {
  return "START RequestId: " + request_id + " Version: $LATEST";
}

std::string end_line(const std::string& request_id) { return "END RequestId: " + request_id; }

std::string report_line(const InvocationReport& r) {
  char line[320];
  std::snprintf(line, sizeof line,
                "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %.0f ms\tMemory Size: "
                "%d MB\tMax Memory Used: %ld MB",
                r.request_id.c_str(), r.duration_ms, r.duration_ms < 1 ? 1.0 : r.duration_ms + 0.5,
                r.memory_mb, r.max_memory_used_mb);
  std::string out = line;
  if (r.init_duration_ms) {
    char init[48];
    std::snprintf(init, sizeof init, "\tInit Duration: %.2f ms", *r.init_duration_ms);
    out += init;
  }
  return out;
}

}  // namespace esm::api_models
