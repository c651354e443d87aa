#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api_models/delivery_options.hpp"
#include "api_models/log.hpp"
#include "api_models/offset_reset.hpp"
#include "engine/function_registry.hpp"
#include "engine/invoker.hpp"
#include "engine/mapping_metrics.hpp"
#include "storage/mapping_store.hpp"

namespace esm::aws {
class AwsServices;
}

namespace esm::engine {

class MappingRunner;
struct RunnerConfig;
struct RunnerCallbacks;
class FailureDestination;

struct EngineSettings {
  std::map<std::string, std::string> msk_clusters;     // cluster ARN -> bootstrap servers
  std::map<std::string, std::string> kafka_overrides;  // librdkafka properties for every consumer
  // The embedded cluster's address (--embedded-kafka), if any: consumers of it get settings
  // that suit librdkafka's mock cluster (see Engine::start_runner).
  std::string embedded_bootstrap;
  // Makes each consumer's group.instance.id (static membership) with the mapping UUID; empty:
  // dynamic membership. Stable per data directory, so a restart rejoins as the same member.
  std::string group_instance_tag;
  std::chrono::milliseconds reconcile_interval{2000};
  std::chrono::milliseconds connect_grace{10000};
  std::chrono::milliseconds retry_backoff_initial{200};
  std::chrono::milliseconds retry_backoff_max{10000};
  int max_drain_per_poll = 10000;  // messages a consumer loop takes per partition per turn
  // Invocations one mapping may have in flight, each for other partitions (AWS keeps at most one
  // batch in flight per partition and invokes for several partitions at once).
  // Invocation threads one mapping may use at most (how many invocations it makes at once is
  // the mapping's: MaximumPollers x 5, or one per assigned partition).
  int max_concurrent_batches = 64;
  // Where SQS, SNS and S3 on-failure destinations are written (--aws-endpoint and the
  // per-service endpoints); without it such a destination reports that none is configured.
  std::shared_ptr<const aws::AwsServices> aws_services;
  // The CAs an https schema registry is verified against (--ca-file) when its mapping names no
  // SERVER_ROOT_CA_CERTIFICATE; "": the system's trust store.
  std::string ca_file;
  HistorySettings history;  // what the status API keeps of each mapping's invocations
};

// One mapping's counters and what names it, for GET /metrics.
struct MappingMetricsView {
  std::string uuid, function_arn, topic;
  std::shared_ptr<const MappingMetrics> metrics;
};

// Makes every stored mapping true: a reconciler thread compares what the store says with the
// consumers that run, starts and stops MappingRunners, and writes State,
// StateTransitionReason and LastProcessingResult back. Owned by run(); notify_changed() may be
// called from any thread, start()/stop() from the owner.
class BoundedExecutor;

class Engine {
 public:
  // `invoker` calls the functions (shared by every runner; outlives the engine).
  Engine(storage::MappingStore& store, const FunctionRegistry& functions, Invoker& invoker,
         EngineSettings settings, api_models::Logger& log);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void start();  // resumes every stored mapping
  void notify_changed(const std::string& uuid);
  // Stops every consumer (abandoning in-flight invocations uncommitted) and joins all threads.
  void stop();
  std::size_t running_for_test();
  // Every mapping that has had a consumer since the emulator started (deleted ones go).
  std::vector<MappingMetricsView> metrics();
  // Sets where a Disabled mapping's consumer group resumes (see reset_group_offsets); refused
  // with ResourceConflict while the mapping (as just read from the store) is in any other
  // state. Blocks up to 10 s.
  api_models::Result<std::vector<api_models::PartitionOffset>> reset_offsets(
      const api_models::EventSourceMapping& mapping, const api_models::OffsetReset& reset);
  // Sends the event of one of the mapping's recorded invocations to its function again, on the
  // calling thread (up to the function's timeout), and commits nothing: no offset, no state, no
  // metric. The call joins the mapping's invocations with ReplayOf set. ResourceNotFound for a
  // request id not (or no longer) recorded or a function not declared; ResourceConflict when
  // the event was not recorded in full.
  api_models::Result<api_models::InvocationRecord> replay(
      const api_models::EventSourceMapping& mapping, const std::string& request_id);
  // The Invoke API's calls of declared functions: now, on the calling thread (RequestResponse),
  // or on one of a few workers of the engine's (Event), given up when the engine stops.
  InvokeResult invoke_now(const FunctionTarget& target, const std::string& payload,
                          const InvocationIds& ids);
  void invoke_later(FunctionTarget target, std::string payload, InvocationIds ids);

 private:
  struct Slot {
    std::unique_ptr<MappingRunner> runner;
    bool stopping = false;
  };
  void reconcile_loop(const std::stop_token& stop);
  void reconcile(const std::string& uuid);
  void start_runner(const api_models::EventSourceMapping& mapping);
  bool place_on_cluster(const api_models::EventSourceMapping& m, RunnerConfig& config);
  std::optional<FunctionTarget> function_for(const api_models::EventSourceMapping& m);
  bool apply_security(const api_models::EventSourceMapping& m, RunnerConfig& config);
  RunnerCallbacks callbacks_for(const std::string& uuid, std::uint64_t revision);
  std::optional<std::string> bootstrap_servers(const api_models::EventSourceMapping& m) const;
  std::shared_ptr<MappingMetrics> metrics_for(const api_models::EventSourceMapping& mapping);
  void apply_log_level(const std::string& uuid, const api_models::DeliveryOptions& options);
  void apply_error_handling(const api_models::DeliveryOptions& options, RunnerConfig& config);
  bool start_decoder(const api_models::EventSourceMapping& m,
                     const api_models::DeliveryOptions& options, RunnerConfig& config);
  std::shared_ptr<FailureDestination> aws_destination(const std::string& target,
                                                      const std::string& uuid) const;
  void stop_runner(const std::string& uuid, bool graceful);
  void settle(const api_models::EventSourceMapping& mapping);
  void mark_live(const std::string& uuid, std::uint64_t revision);
  void set_result(const std::string& uuid, const std::string& result);
  void stop_with_reason(const std::string& uuid, std::uint64_t revision, const std::string& reason,
                        const std::string& result);

  storage::MappingStore& store_;
  const FunctionRegistry& functions_;
  Invoker& invoker_;
  const EngineSettings settings_;
  api_models::Logger& log_;

  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::set<std::string> pending_;      // guarded by mutex_
  bool full_pass_ = true;              // guarded by mutex_
  std::map<std::string, Slot> slots_;  // guarded by mutex_; touched by the reconciler only
  std::map<std::string, MappingMetricsView> metrics_;    // guarded by mutex_
  std::vector<std::unique_ptr<MappingRunner>> retired_;  // guarded by mutex_
  std::atomic<bool> stopping_{false};  // set by stop(): replays and Invoke calls give up
  std::unique_ptr<BoundedExecutor> async_invocations_;  // Event invocations; joined when destroyed
  std::jthread reconciler_;  // last: starts after, and joins before, the members above
};

}  // namespace esm::engine
