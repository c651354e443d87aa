#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api_models/log.hpp"
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
  std::string body;          // the function's response (stdout for exec:)
  std::string detail;        // for the log: status line, exit code, error text
  bool tls_failure = false;  // ConnectionError: the TLS handshake failed (certificate, name)
  // runtime: the invocation's lines as CloudWatch shows them (START, what the runtime printed,
  // END, REPORT); "" for the other kinds.
  std::string log{};
};

// Which mapping an invocation is for and its request id (the one the status API records): HTTP
// and Invoke API targets get them as the X-Esm-Mapping-Uuid and X-Esm-Request-Id headers,
// `exec:` commands as ESM_MAPPING_UUID and ESM_REQUEST_ID, so one function serving several
// mappings can tell them apart.
struct InvocationIds {
  std::string mapping_uuid;
  std::string request_id;
};

// The invocation stage: calls a function target synchronously with the event as the payload,
// bounded by the target's timeout, giving up early when `cancel` becomes true. The engine is
// given one and hands it to every runner, whose invocation workers call it concurrently.
class Invoker {
 public:
  virtual ~Invoker() = default;
  virtual InvokeResult invoke(const FunctionTarget& target, const std::string& payload,
                              const InvocationIds& ids, const std::atomic<bool>& cancel) = 0;
};

class ConnectionPool;
class RuntimeHost;

// Where `runtime:` functions say they run, and where their processes log.
struct RuntimeContext {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  api_models::Logger* log = nullptr;
};

// HTTP(S) endpoints, `exec:` commands, `runtime:` commands (Lambda Runtime API clients, their
// environments kept warm here) and the Lambda Invoke API of another endpoint. Keep-alive
// connections to HTTP functions are pooled per host:port and owned here (closed with it).
// Thread-safe.
class FunctionInvoker final : public Invoker {
 public:
  explicit FunctionInvoker(RuntimeContext runtime = {});
  ~FunctionInvoker() override;
  FunctionInvoker(const FunctionInvoker&) = delete;
  FunctionInvoker& operator=(const FunctionInvoker&) = delete;
  InvokeResult invoke(const FunctionTarget& target, const std::string& payload,
                      const InvocationIds& ids, const std::atomic<bool>& cancel) override;

 private:
  RuntimeHost& runtime_host(const FunctionTarget& target);

  std::unique_ptr<ConnectionPool> pool_;
  const RuntimeContext runtime_;
  std::mutex runtimes_mutex_;
  std::map<std::string, std::unique_ptr<RuntimeHost>> runtimes_;  // guarded: by function name
};

}  // namespace esm::engine
