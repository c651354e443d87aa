#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "api_models/filter_pattern.hpp"
#include "api_models/log.hpp"
#include "api_models/mapping.hpp"
#include "engine/bounded_executor.hpp"
#include "engine/function_registry.hpp"
#include "engine/invoker.hpp"
#include "engine/mapping_metrics.hpp"
#include "failure_destination.hpp"
#include "failure_policy.hpp"
#include "schema_registry/record_decoder.hpp"

namespace esm::engine {

// What one runner needs to know, resolved by the engine when it starts the runner.
struct RunnerConfig {
  api_models::EventSourceMapping mapping;
  std::string bootstrap_servers;  // where the consumer connects
  // Defaults for this cluster, applied before the security settings and the overrides.
  std::map<std::string, std::string> cluster_defaults;
  FunctionTarget function;
  // Authentication settings from the mapping's secrets (hold secret values: never logged).
  std::map<std::string, std::string> security_properties;
  bool tls_material = false;                           // certificates or keys among them
  std::map<std::string, std::string> kafka_overrides;  // extra librdkafka properties; win
  std::chrono::milliseconds connect_grace{10000};      // report Enabled + PROBLEM after this
  std::chrono::milliseconds retry_backoff_initial{200};
  std::chrono::milliseconds retry_backoff_max{10000};
  int max_drain_per_poll = 10000;  // messages taken from each partition queue per loop turn
  // Invocation threads at most (the executor's ceiling, whatever the mapping asks).
  int max_concurrent_batches = 64;
  // Invocations in flight at once, each of other partitions: ProvisionedPollerConfig's
  // MaximumPollers x 5; 0: one per assigned partition (on-demand).
  std::size_t concurrency_limit = 0;
  ErrorHandling errors;
  std::shared_ptr<FailureDestination> destination;  // OnFailure; null: none
  // Assign every partition of the topic directly instead of joining the group (offsets are still
  // committed to the group): for the embedded mock cluster, whose group joins take 3 s and whose
  // rejoins after a member left wait out the session timeout.
  bool manual_assignment = false;
  // The mapping's FilterCriteria, compiled: records that match none of its patterns are passed
  // over (never sent, committed past once everything before them is done). None: all pass.
  std::optional<api_models::RecordFilter> filter;
  // SchemaRegistryConfig: decodes keys and values before the filters (null: none). The runner's
  // consumer thread alone uses it.
  std::shared_ptr<schema_registry::RecordDecoder> decoder;
  // Where the runner counts what it does (the engine's, one per mapping; never null).
  std::shared_ptr<MappingMetrics> metrics = std::make_shared<MappingMetrics>();
  HistorySettings history;
};

// How a runner reports back; called on the runner's own thread, never under its locks.
struct RunnerCallbacks {
  std::function<void()> on_live;                             // consumer is in its group
  std::function<void(const std::string& result)> on_result;  // LastProcessingResult changed
  std::function<void(const std::string& reason, const std::string& result)> on_fatal;
  std::function<void()> on_stopped;  // consumer closed, thread ending
};

// One mapping's live Kafka consumer and its delivery loop, on a thread of its own: polls,
// batches per partition, invokes the function (on its executor, so polling goes on), commits
// after success, retries failed partitions with backoff while the others keep flowing.
// Owned by the engine; request_stop() may be called from any thread.
class MappingRunner {
 public:
  MappingRunner(RunnerConfig config, RunnerCallbacks callbacks, Invoker& invoker,
                api_models::Logger& log);
  ~MappingRunner();
  MappingRunner(const MappingRunner&) = delete;
  MappingRunner& operator=(const MappingRunner&) = delete;

  // graceful: let an in-flight invocation finish (and commit); otherwise abandon it uncommitted.
  // leave_group: the mapping stops consuming (disabled, deleted), so its consumer leaves the
  // group even as a static member; otherwise (an Update's restart, shutdown) a static member
  // stays, and the consumer that follows takes its place without a rebalance.
  void request_stop(bool graceful, bool leave_group = true);
  bool finished() const { return finished_.load(); }
  std::uint64_t revision() const { return config_.mapping.revision; }

  // The consumer thread blocks on its queue; these let other threads wake it (a finished
  // invocation, a stop request). wake() is a no-op while no queue is registered.
  void set_wake_queue(rd_kafka_queue_t* queue);
  void wake();

 private:
  void run(const std::stop_token& stop);
  bool pause_before_reopen(const std::stop_token& stop);

  const RunnerConfig config_;
  const RunnerCallbacks callbacks_;
  api_models::Logger& log_;
  std::atomic<bool> graceful_{true};
  std::atomic<bool> leave_group_{true};
  std::atomic<bool> cancel_{false};  // abandons the in-flight invocation
  std::atomic<bool> finished_{false};
  std::mutex wake_mutex_;
  rd_kafka_queue_t* wake_queue_ = nullptr;  // guarded by wake_mutex_; owned by the consumer thread
  Invoker& invoker_;                        // the engine's
  // Where invocations run (at most max_concurrent_batches at once). Destroyed before the members
  // above, after the consumer thread: its tasks' last step wakes the runner.
  BoundedExecutor executor_;
  std::jthread thread_;  // last: starts after, and joins before, the members above
};

}  // namespace esm::engine
