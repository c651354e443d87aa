#pragma once

#include <atomic>
#include <chrono>
#include <memory>
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

// The invocation stage: calls a function target synchronously with the event as the payload,
// bounded by the target's timeout, giving up early when `cancel` becomes true. The engine is
// given one and hands it to every runner, whose invocation workers call it concurrently.
class Invoker {
 public:
  virtual ~Invoker() = default;
  virtual InvokeResult invoke(const FunctionTarget& target, const std::string& payload,
                              const std::atomic<bool>& cancel) = 0;
};

class ConnectionPool;

// HTTP endpoints, `exec:` commands and the Lambda Invoke API of another endpoint. Keep-alive
// connections to HTTP functions are pooled per host:port and owned here (closed with it).
// Thread-safe.
class FunctionInvoker final : public Invoker {
 public:
  FunctionInvoker();
  ~FunctionInvoker() override;
  FunctionInvoker(const FunctionInvoker&) = delete;
  FunctionInvoker& operator=(const FunctionInvoker&) = delete;
  InvokeResult invoke(const FunctionTarget& target, const std::string& payload,
                      const std::atomic<bool>& cancel) override;

 private:
  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace esm::engine
