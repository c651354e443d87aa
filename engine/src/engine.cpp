#include "engine/engine.hpp"

#include "api_models/delivery_options.hpp"
#include "api_models/mapping_state.hpp"
#include "api_models/uuid.hpp"
#include "aws_client/services.hpp"
#include "engine/bounded_executor.hpp"
#include "engine/kafka_auth.hpp"
#include "engine/registry_access.hpp"
#include "engine/thread_name.hpp"
#include "failure_destination.hpp"
#include "group_offsets.hpp"
#include "invocation_record.hpp"
#include "mapping_runner.hpp"

namespace esm::engine {

using api_models::ErrorCode;
using api_models::EventSourceMapping;
using api_models::MappingEvent;
using api_models::MappingState;
using api_models::Ok;

namespace {

bool wants_consumer(const EventSourceMapping& m) {
  return api_models::wants_consumer(m.state, m.enabled);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

Engine::Engine(storage::MappingStore& store, const FunctionRegistry& functions, Invoker& invoker,
               EngineSettings settings, api_models::Logger& log)
    : store_(store),
      functions_(functions),
      invoker_(invoker),
      settings_(std::move(settings)),
      log_(log),
      async_invocations_(
          std::make_unique<BoundedExecutor>(4, std::chrono::seconds(5), "esm-async")) {}

Engine::~Engine() { stop(); }

void Engine::start() {
  reconciler_ = std::jthread([this](const std::stop_token& stop) {
    name_this_thread("esm-reconcile");
    reconcile_loop(stop);
  });
}

void Engine::notify_changed(const std::string& uuid) {
  {
    std::lock_guard lock(mutex_);
    pending_.insert(uuid);
  }
  wake_.notify_all();
}

std::size_t Engine::running_for_test() {
  std::lock_guard lock(mutex_);
  return slots_.size();
}

void Engine::stop() {
  stopping_.store(true);  // Event invocations still queued run cancelled, joined with the engine
  if (reconciler_.joinable()) {
    reconciler_.request_stop();
    wake_.notify_all();
    reconciler_.join();
  }
  std::map<std::string, Slot> slots;
  std::vector<std::unique_ptr<MappingRunner>> retired;
  {
    std::lock_guard lock(mutex_);
    slots.swap(slots_);
    retired.swap(retired_);
  }
  // Shutdown: static members stay in their groups, so a restart takes their places at once.
  for (auto& [uuid, slot] : slots) slot.runner->request_stop(false, false);
  slots.clear();  // joins each runner; in-flight invocations are abandoned uncommitted
  retired.clear();
}

void Engine::reconcile_loop(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    std::set<std::string> work;
    bool full = false;
    std::vector<std::unique_ptr<MappingRunner>> retired;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, settings_.reconcile_interval,
                     [&] { return !pending_.empty() || full_pass_; });
      if (stop.stop_requested()) return;
      work.swap(pending_);
      full = full_pass_;
      full_pass_ = false;
      retired.swap(retired_);
      if (!full) {
        // Periodic pass: stopped runners and anything the store holds are looked at again.
        for (const auto& [uuid, slot] : slots_) work.insert(uuid);
      }
    }
    retired.clear();  // joins runners that have finished
    if (full || work.empty()) {
      for (const auto& m : store_.all()) work.insert(m.uuid);
    }
    for (const auto& uuid : work) {
      if (stop.stop_requested()) return;
      try {
        reconcile(uuid);
      } catch (const std::exception& e) {
        log_.error(uuid, std::string("reconcile failed: ") + e.what());
      }
    }
  }
}

void Engine::reconcile(const std::string& uuid) {
  auto got = store_.get(uuid);
  if (!got.ok() && got.error().code != ErrorCode::ResourceNotFound) return;  // try again later
  {
    std::unique_lock lock(mutex_);
    auto it = slots_.find(uuid);
    if (it != slots_.end()) {
      Slot& slot = it->second;
      if (slot.runner->finished()) {
        retired_.push_back(std::move(slot.runner));
        slots_.erase(it);
      } else if (slot.stopping) {
        return;  // on_stopped will bring us back
      } else if (got.ok() && wants_consumer(got.value()) &&
                 slot.runner->revision() == got.value().revision) {
        return;  // running the current configuration
      } else {
        slot.stopping = true;
        const bool graceful = got.ok() && got.value().state != MappingState::Deleting;
        const bool leave = !got.ok() || !wants_consumer(got.value());  // else restarted at once
        slot.runner->request_stop(graceful, leave);
        return;
      }
    }
  }
  if (!got.ok()) return;
  const EventSourceMapping& m = got.value();
  if (wants_consumer(m)) {
    start_runner(m);
  } else {
    settle(m);
  }
}

void Engine::settle(const EventSourceMapping& m) {
  if (m.state == MappingState::Deleting) {
    if (store_.remove(m.uuid).ok()) {
      log_.info(m.uuid, "mapping deleted");
      log_.set_mapping_level(m.uuid, std::nullopt);
      std::lock_guard lock(mutex_);
      metrics_.erase(m.uuid);  // its series go
    }
    return;
  }
  if (!api_models::is_transitional(m.state)) return;
  auto r = store_.update(m.uuid, [&](EventSourceMapping& cur) -> api_models::Result<Ok> {
    const auto next = api_models::next_state(cur.state, MappingEvent::ConsumerGone, cur.enabled);
    if (cur.revision == m.revision && next) cur.state = *next;
    return Ok{};
  });
  if (r.ok() && r.value().state == MappingState::Disabled) log_.info(m.uuid, "mapping disabled");
}

namespace {
std::string unknown_cluster(const EventSourceMapping& m) {
  return "PROBLEM: The MSK cluster " + *m.event_source_arn +
         " is unknown to the emulator. Declare its brokers with --msk-cluster.";
}
}  // namespace

std::optional<std::string> Engine::bootstrap_servers(const EventSourceMapping& m) const {
  if (m.self_managed()) return join(m.bootstrap_servers);
  if (auto it = settings_.msk_clusters.find(*m.event_source_arn);
      it != settings_.msk_clusters.end())
    return it->second;
  return std::nullopt;
}

api_models::Result<std::vector<api_models::PartitionOffset>> Engine::reset_offsets(
    const EventSourceMapping& m, const api_models::OffsetReset& reset) {
  if (m.state != MappingState::Disabled) {
    return api_models::ApiError{ErrorCode::ResourceConflict,
                                "The event source mapping must be Disabled to reset its offsets; "
                                "its State is " +
                                    std::string(api_models::to_string(m.state)) + "."};
  }
  auto servers = bootstrap_servers(m);
  if (!servers) return api_models::ApiError{ErrorCode::InvalidParameterValue, unknown_cluster(m)};
  auto security =
      kafka_security(m, [this](const std::string& id) { return store_.find_secret(id); });
  if (auto* stop = std::get_if<StopReason>(&security))
    return api_models::ApiError{ErrorCode::InvalidParameterValue, stop->result};
  // As the mapping's consumer connects (the --kafka-property overrides win).
  auto properties = std::get<KafkaSecurity>(security).properties;
  for (const auto& [k, v] : settings_.kafka_overrides) properties[k] = v;
  properties["bootstrap.servers"] = *servers;
  const bool embedded =
      !settings_.embedded_bootstrap.empty() && *servers == settings_.embedded_bootstrap;
  auto set = reset_group_offsets(properties, m.group_id(), m.topics.front(), reset, embedded,
                                 std::chrono::seconds(10));
  if (set.ok()) {
    std::string what;
    for (const auto& p : set.value())
      what +=
          (what.empty() ? "" : ", ") + std::to_string(p.partition) + "@" + std::to_string(p.offset);
    log_.info(m.uuid, "offsets of group " + m.group_id() + " set to " + what);
  }
  return set;
}

api_models::Result<api_models::InvocationRecord> Engine::replay(const EventSourceMapping& m,
                                                                const std::string& request_id) {
  std::shared_ptr<MappingMetrics> metrics;
  {
    std::lock_guard lock(mutex_);
    if (auto it = metrics_.find(m.uuid); it != metrics_.end())
      metrics = std::const_pointer_cast<MappingMetrics>(it->second.metrics);
  }
  const auto original = metrics ? metrics->find_invocation(request_id) : std::nullopt;
  if (!original) {
    return api_models::ApiError{
        ErrorCode::ResourceNotFound,
        "No recorded invocation " + request_id + " for the event source mapping " + m.uuid + "."};
  }
  if (!original->event || original->event_truncated) {
    return api_models::ApiError{
        ErrorCode::ResourceConflict,
        "The event of invocation " + request_id + " was not recorded in full (" +
            std::to_string(original->event ? original->event->size() : 0) + " of " +
            std::to_string(original->payload_bytes) +
            " bytes); raise --invocation-event-bytes to replay events this large."};
  }
  auto target = functions_.resolve_arn(m.function_arn);
  if (!target)
    return api_models::ApiError{ErrorCode::ResourceNotFound,
                                "Function not found: " + m.function_arn};
  auto call = invoke_recorded(invoker_, *target, *original->event,
                              {m.uuid, api_models::random_uuid()}, stopping_, settings_.history);
  auto& record = call.record;
  record.records = original->records;
  record.ranges = original->ranges;
  record.replay_of = request_id;
  log_.info(m.uuid, "replay of " + request_id + ": " + describe(record));
  metrics->record_invocation(record, settings_.history.invocations);
  return record;
}

InvokeResult Engine::invoke_now(const FunctionTarget& target, const std::string& payload,
                                const InvocationIds& ids) {
  return invoker_.invoke(target, payload, ids, stopping_);
}

void Engine::invoke_later(FunctionTarget target, std::string payload, InvocationIds ids) {
  async_invocations_->submit(
      [this, target = std::move(target), payload = std::move(payload), ids = std::move(ids)] {
        const auto r = invoker_.invoke(target, payload, ids, stopping_);
        if (r.outcome != InvokeResult::Outcome::Success)
          log_.warn("", "asynchronous invocation " + ids.request_id + " of " + target.name +
                            " failed: " + r.detail);
      });
}

void Engine::start_runner(const EventSourceMapping& m) {
  RunnerConfig config;
  config.mapping = m;
  config.kafka_overrides = settings_.kafka_overrides;
  config.connect_grace = settings_.connect_grace;
  config.retry_backoff_initial = settings_.retry_backoff_initial;
  config.retry_backoff_max = settings_.retry_backoff_max;
  config.max_drain_per_poll = settings_.max_drain_per_poll;
  config.max_concurrent_batches = settings_.max_concurrent_batches;
  const auto options = api_models::delivery_options(m);
  apply_log_level(m.uuid, options);
  if (!options.filter_patterns.empty())
    config.filter = api_models::RecordFilter::compile(options.filter_patterns);
  if (!place_on_cluster(m, config)) return;
  auto target = function_for(m);
  if (!target) return;
  if (!apply_security(m, config)) return;
  apply_error_handling(options, config);
  if (options.schema_registry_uri && !start_decoder(m, options, config)) return;
  config.function = std::move(*target);
  config.metrics = metrics_for(m);
  config.history = settings_.history;
  auto runner = std::make_unique<MappingRunner>(std::move(config),
                                                callbacks_for(m.uuid, m.revision), invoker_, log_);
  std::lock_guard lock(mutex_);
  slots_[m.uuid] = Slot{std::move(runner), false};
}

// The mapping's cluster and how its consumer joins the group there. False: stopped (a cluster
// the emulator does not know).
bool Engine::place_on_cluster(const EventSourceMapping& m, RunnerConfig& config) {
  if (auto servers = bootstrap_servers(m)) {
    config.bootstrap_servers = *servers;
  } else {
    stop_with_reason(m.uuid, m.revision, "ESM_CONFIG_NOT_VALID", unknown_cluster(m));
    return false;
  }
  if (!settings_.embedded_bootstrap.empty() &&
      config.bootstrap_servers == settings_.embedded_bootstrap) {
    // librdkafka's mock cluster answers an idle fetch only when fetch.wait.max.ms has passed,
    // not when a record arrives: at the default 500 ms, produce-to-invoke took ~300 ms; at 50 ms
    // it takes ~5 ms (measured with scripts/bench, "latency, embedded Kafka").
    config.cluster_defaults["fetch.wait.max.ms"] = "50";
    // The mock cluster's group joins take 3 s, and one after a member left waits out the
    // session timeout (45 s by default): an Update or a re-enable delivered nothing for ~45 s.
    // Its consumers hold every partition directly instead (still committing to the group); the
    // mock cluster lives in this process, so no other member of the group is expected.
    config.manual_assignment = true;
  } else if (!settings_.group_instance_tag.empty()) {
    // Static membership (KIP-345): a consumer restarted after kill -9 or for an Update takes
    // the dead member's place at once instead of waiting out its session (45 s). The id is
    // stable per mapping and data directory. (Not on the mock cluster, which lives in memory.)
    config.cluster_defaults["group.instance.id"] =
        "esm-" + m.uuid + "-" + settings_.group_instance_tag;
  }
  return true;
}

// The declared function the mapping invokes; none: stopped (not declared, or its timeout over
// the Kafka limit).
std::optional<FunctionTarget> Engine::function_for(const EventSourceMapping& m) {
  auto target = functions_.resolve_arn(m.function_arn);
  if (!target) {
    stop_with_reason(m.uuid, m.revision, "FUNCTION_CONFIG_NOT_VALID",
                     "PROBLEM: Function does not exist.");
    return std::nullopt;
  }
  if (target->timeout > FunctionRegistry::kKafkaMaxTimeout) {
    stop_with_reason(
        m.uuid, m.revision, "FUNCTION_CONFIG_NOT_VALID",
        "PROBLEM: The function timeout (" + std::to_string(target->timeout.count()) +
            " seconds) exceeds 840 seconds, the maximum for Kafka event source mappings.");
    return std::nullopt;
  }
  return target;
}

// The consumer's authentication from the mapping's SourceAccessConfigurations. Secrets are read
// now, when the consumer starts: an Update or a re-enable after a secret changed picks up its
// new value. False: stopped (a secret missing or not usable).
bool Engine::apply_security(const EventSourceMapping& m, RunnerConfig& config) {
  auto security =
      kafka_security(m, [this](const std::string& id) { return store_.find_secret(id); });
  if (auto* stop = std::get_if<StopReason>(&security)) {
    stop_with_reason(m.uuid, m.revision, stop->reason, stop->result);
    return false;
  }
  auto& sec = std::get<KafkaSecurity>(security);
  config.security_properties = std::move(sec.properties);
  config.tls_material = sec.tls;
  log_.info(m.uuid, "authentication: " + sec.summary);
  return true;
}

// What the runner tells the engine: live, a processing result, a stop of its own, stopped.
RunnerCallbacks Engine::callbacks_for(const std::string& uuid, std::uint64_t revision) {
  RunnerCallbacks callbacks;
  callbacks.on_live = [this, uuid, revision] { mark_live(uuid, revision); };
  callbacks.on_result = [this, uuid](const std::string& result) { set_result(uuid, result); };
  callbacks.on_fatal = [this, uuid, revision](const std::string& reason,
                                              const std::string& result) {
    stop_with_reason(uuid, revision, reason, result);
  };
  callbacks.on_stopped = [this, uuid] { notify_changed(uuid); };
  return callbacks;
}

// SchemaRegistryConfig: a decoder for the registry, a Confluent-compatible one's URL or an AWS
// Glue registry's ARN (read through the operator's AWS endpoints). False: stopped.
bool Engine::start_decoder(const EventSourceMapping& m, const api_models::DeliveryOptions& o,
                           RunnerConfig& config) {
  std::vector<std::string> not_performed;
  auto settings = schema_registry_settings(
      o, [this](const std::string& id) { return store_.find_secret(id); }, not_performed);
  if (auto* stop = std::get_if<StopReason>(&settings)) {
    stop_with_reason(m.uuid, m.revision, stop->reason, stop->result);
    return false;
  }
  for (const auto& type : not_performed) {
    log_.warn(m.uuid, "SchemaRegistryConfig access type " + type +
                          " is not used: an AWS Glue registry is read with the emulator's AWS "
                          "credentials (AWS uses the function's execution role)");
  }
  auto& s = std::get<schema_registry::RegistrySettings>(settings);
  s.ca_file = settings_.ca_file;
  s.aws = settings_.aws_services;
  log_.info(m.uuid, "schema registry " + s.uri + ": " + (s.decode_key ? "key " : "") +
                        (s.decode_value ? "value " : "") + "decoded, delivered as " +
                        (s.deliver_json ? "JSON" : "SOURCE"));
  config.decoder = std::make_shared<schema_registry::RecordDecoder>(std::move(s));
  return true;
}

// LoggingConfig.SystemLogLevel: the mapping's lines at its own level (kept across its runners).
void Engine::apply_log_level(const std::string& uuid, const api_models::DeliveryOptions& o) {
  static const std::map<std::string, api_models::LogLevel> kLevels = {
      {"DEBUG", api_models::LogLevel::Debug},
      {"INFO", api_models::LogLevel::Info},
      {"WARN", api_models::LogLevel::Warn}};
  const auto level = o.system_log_level ? kLevels.find(*o.system_log_level) : kLevels.end();
  log_.set_mapping_level(uuid,
                         level == kLevels.end() ? std::nullopt : std::optional(level->second));
}

// The mapping's counters: kept from an earlier runner of it, or new.
std::shared_ptr<MappingMetrics> Engine::metrics_for(const EventSourceMapping& m) {
  std::lock_guard lock(mutex_);
  auto& entry = metrics_[m.uuid];
  if (!entry.metrics) entry.metrics = std::make_shared<MappingMetrics>();
  entry.uuid = m.uuid;
  entry.function_arn = m.function_arn;
  entry.topic = m.topics.empty() ? "" : m.topics.front();
  return std::const_pointer_cast<MappingMetrics>(entry.metrics);
}

std::vector<MappingMetricsView> Engine::metrics() {
  std::lock_guard lock(mutex_);
  std::vector<MappingMetricsView> out;
  out.reserve(metrics_.size());
  for (const auto& [uuid, entry] : metrics_) out.push_back(entry);
  return out;
}

// Retry limits, record age, bisect, partial batch responses, the on-failure destination and the
// concurrency the pollers allow (reference §8.7, §8.11).
void Engine::apply_error_handling(const api_models::DeliveryOptions& o, RunnerConfig& config) {
  auto& e = config.errors;
  e.maximum_retry_attempts = o.maximum_retry_attempts;
  e.maximum_record_age_s = o.maximum_record_age_s;
  e.bisect = o.bisect_batch_on_function_error;
  e.report_batch_item_failures = o.report_batch_item_failures;
  e.has_destination = o.on_failure_destination.has_value();
  // About 5 concurrent invocations per poller (§8.11); on-demand: one per assigned partition.
  if (o.maximum_pollers)
    config.concurrency_limit = static_cast<std::size_t>(*o.maximum_pollers) * 5;
  if (!o.on_failure_destination) return;
  const std::string& target = *o.on_failure_destination;
  if (target.rfind("kafka://", 0) == 0) {
    // The mapping's own cluster, with its authentication (AWS: the same cluster, §8.8).
    std::map<std::string, std::string> props = config.cluster_defaults;
    props.erase("group.instance.id");
    props.erase("fetch.wait.max.ms");
    props["bootstrap.servers"] = config.bootstrap_servers;
    for (const auto& [k, v] : config.security_properties) props[k] = v;
    for (const auto& [k, v] : config.kafka_overrides) {
      if (k.rfind("security.", 0) == 0 || k.rfind("ssl.", 0) == 0 || k.rfind("sasl.", 0) == 0)
        props[k] = v;
    }
    config.destination =
        std::make_shared<KafkaTopicDestination>(target.substr(8), std::move(props));
    return;
  }
  config.destination = aws_destination(target, config.mapping.uuid);
}

// An SQS, SNS or S3 ARN (the API admits no other for Kafka), written through the operator's
// endpoints; with none for its service, every write says so and the records wait.
std::shared_ptr<FailureDestination> Engine::aws_destination(const std::string& target,
                                                            const std::string& uuid) const {
  const auto arn = aws::parse_arn(target);
  static const std::map<std::string, api_models::DestinationKind> kinds = {
      {"sqs", api_models::DestinationKind::Sqs},
      {"sns", api_models::DestinationKind::Sns},
      {"s3", api_models::DestinationKind::S3}};
  const auto kind = arn ? kinds.find(arn->service) : kinds.end();
  if (kind == kinds.end())
    return std::make_shared<UnreachableDestination>(target, "not an SQS, SNS or S3 ARN");
  auto services = settings_.aws_services;
  if (!services)
    services = std::make_shared<aws::AwsServices>(aws::ServiceEndpoints{}, aws::Credentials{}, "");
  return std::make_shared<AwsDestination>(target, *arn, kind->second, uuid, std::move(services));
}

void Engine::mark_live(const std::string& uuid, std::uint64_t revision) {
  auto r = store_.update(uuid, [&](EventSourceMapping& m) -> api_models::Result<Ok> {
    const auto next = api_models::next_state(m.state, MappingEvent::ConsumerLive, m.enabled);
    if (m.revision == revision && next) m.state = *next;
    return Ok{};
  });
  if (r.ok() && r.value().state == MappingState::Enabled) log_.info(uuid, "mapping enabled");
}

void Engine::set_result(const std::string& uuid, const std::string& result) {
  (void)store_.update(uuid, [&](EventSourceMapping& m) -> api_models::Result<Ok> {
    m.last_processing_result = result;
    return Ok{};
  });
}

void Engine::stop_with_reason(const std::string& uuid, std::uint64_t revision,
                              const std::string& reason, const std::string& result) {
  log_.warn(uuid, "stopping mapping: " + reason + ": " + result);
  (void)store_.update(uuid, [&](EventSourceMapping& m) -> api_models::Result<Ok> {
    const auto next = api_models::next_state(m.state, MappingEvent::StoppedByError, m.enabled);
    if (m.revision != revision || !next) return Ok{};
    m.state = *next;
    m.state_transition_reason = reason;
    m.last_processing_result = result;
    return Ok{};
  });
}

}  // namespace esm::engine
