#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api_models/log.hpp"
#include "engine/function_registry.hpp"
#include "engine/invoker.hpp"

namespace esm::engine {

// What a `runtime:` function runs as: the command started as each execution environment, and
// what Lambda tells its runtime about it.
struct RuntimeSpec {
  std::string name;
  std::string command;                     // run with /bin/sh -c
  std::string handler;                     // _HANDLER
  std::map<std::string, std::string> env;  // the operator's, on top of Lambda's
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  int memory_mb = 128;
  int concurrency = 10;  // environments at most
  std::chrono::seconds timeout{60};
  std::chrono::seconds idle_reap{300};  // an environment idle this long is stopped
};

class RuntimeEnvironment;

// A `runtime:` function's execution environments: each a local process of COMMAND speaking the
// Lambda Runtime API (/2018-06-01/runtime/...) to an endpoint of its own on 127.0.0.1, kept warm
// between invocations, one per concurrent invocation up to the spec's concurrency. invoke() from
// any thread; the destructor kills every environment.
class RuntimeHost {
 public:
  RuntimeHost(RuntimeSpec spec, api_models::Logger* log);
  ~RuntimeHost();
  RuntimeHost(const RuntimeHost&) = delete;
  RuntimeHost& operator=(const RuntimeHost&) = delete;

  InvokeResult invoke(const std::string& payload, const InvocationIds& ids,
                      const std::atomic<bool>& cancel);
  std::size_t environments_for_test();

 private:
  std::shared_ptr<RuntimeEnvironment> acquire(const std::atomic<bool>& cancel,
                                              std::string& failure);
  void release(std::shared_ptr<RuntimeEnvironment> env);
  void reap_idle();  // with mutex_ held

  const RuntimeSpec spec_;
  api_models::Logger* log_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<RuntimeEnvironment>> idle_;  // guarded by mutex_
  std::size_t live_ = 0;                                   // guarded by mutex_: idle + busy
};

}  // namespace esm::engine
