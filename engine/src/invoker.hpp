#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "engine/function_registry.hpp"

namespace esm::engine {

struct InvokeResult {
  enum class Outcome {
    Success,        // the function returned normally
    FunctionError,  // it ran and failed: error status, X-Amz-Function-Error, non-zero exit, timeout
    ConnectionError,  // it could not be reached at all
    Cancelled,        // the emulator is stopping or the mapping changed
  };
  Outcome outcome = Outcome::FunctionError;
  std::string body;    // the function's response (stdout for exec:)
  std::string detail;  // for the log: status line, exit code, error text
};

// Calls a function target synchronously with the event as the payload, bounded by the target's
// timeout, and gives up early when `cancel` becomes true. Any thread; no shared state.
InvokeResult invoke(const FunctionTarget& target, const std::string& payload,
                    const std::atomic<bool>& cancel);

}  // namespace esm::engine
