#include "mapping_runner.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <optional>
#include <set>
#include <vector>

#include "api_models/batch_response.hpp"
#include "api_models/kafka_event.hpp"
#include "api_models/uuid.hpp"
#include "batch_planner.hpp"
#include "commit_tracker.hpp"
#include "decode_stage.hpp"
#include "engine/invoker.hpp"
#include "engine/kafka_auth.hpp"
#include "engine/thread_name.hpp"
#include "invocation_record.hpp"
#include "kafka_handles.hpp"
#include "partition_buffer.hpp"

namespace esm::engine {

using api_models::KafkaRecordView;

namespace {

constexpr std::string_view kConnectionProblem =
    "PROBLEM: Connection error. Please check your event source connection configuration.";
constexpr std::string_view kFunctionProblem = "PROBLEM: Function call failed.";
constexpr std::string_view kFunctionUnreachable =
    "PROBLEM: Connection error. The function endpoint could not be reached.";
constexpr auto kDefaultWindow = std::chrono::milliseconds(500);
// What a partition's delivery buffer holds at most (librdkafka fetches further ahead into the
// partition's own queue, up to queued.min.messages / queued.max.messages.kbytes).
constexpr std::size_t kMaxBufferedBytesPerPartition = 16u << 20;
// The schema registry stage: records a decode worker takes at once (a partition's next ones wait
// for them), and decode workers per mapping.
constexpr std::size_t kDecodeChunk = 1000;
constexpr std::size_t kDecodeWorkers = 2;

bool is_connection_error(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
         err == RD_KAFKA_RESP_ERR__RESOLVE || err == RD_KAFKA_RESP_ERR__TIMED_OUT;
}

// Now, in epoch milliseconds (what Kafka timestamps are measured against).
std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct BatchPart {
  std::int32_t partition;
  std::size_t count;
  std::int64_t last_offset;
  std::uint64_t epoch;  // of the partition's assignment when the batch was made
};

// One invocation being made, or one destination write, on the runner's executor. Letting go of
// it waits for its result (the worker reads the records until then).
struct InFlight {
  std::vector<BatchPart> parts;
  std::unique_ptr<Batch> batch;             // an invocation's records
  std::unique_ptr<FailedRecords> given_up;  // a destination write's (one part)
  std::future<InvokeResult> result;         // ready before the worker wakes the consumer loop

  InFlight() = default;
  InFlight(InFlight&&) = default;
  InFlight& operator=(InFlight&& other) noexcept {
    wait();
    parts = std::move(other.parts);
    batch = std::move(other.batch);
    given_up = std::move(other.given_up);
    result = std::move(other.result);
    return *this;
  }
  ~InFlight() { wait(); }
  void wait() {
    if (result.valid()) result.wait();
  }
};

struct PartOutcomes;

// The consumer side of one runner: owned and used by the runner thread only.
class Delivery {
 public:
  Delivery(const RunnerConfig& config, const RunnerCallbacks& callbacks, api_models::Logger& log,
           std::atomic<bool>& cancel, MappingRunner& runner, Invoker& invoker,
           BoundedExecutor& executor)
      : runner_(runner),
        invoker_(invoker),
        executor_(executor),
        config_(config),
        callbacks_(callbacks),
        log_(log),
        cancel_(cancel),
        metrics_(*config.metrics),
        uuid_(config.mapping.uuid),
        source_{config.mapping.event_source_arn, config.bootstrap_servers} {
    if (config.decoder) {
      decode_ = std::make_unique<DecodeStage>(
          config.decoder->settings(), [&runner] { runner.wake(); }, kDecodeWorkers);
    }
  }

  // Creates and subscribes the consumer; false after reporting a fatal configuration error.
  bool open();
  void loop(const std::stop_token& stop, const std::atomic<bool>& graceful);
  void close(bool leave_group);
  bool needs_new_consumer() const { return reopen_; }
  bool connection_problem() const { return connection_problem_; }
  // A consumer replacing one that failed while the brokers were away: it reports the recovery
  // (log and LastProcessingResult) once they answer, as the one before would have.
  void inherit_connection_problem() {
    connection_problem_ = true;
    next_recovery_check_ = Clock::now();
  }

 private:
  static void rebalance_trampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t* parts, void* opaque) {
    static_cast<Delivery*>(opaque)->on_rebalance(rk, err, parts);
  }
  static void error_trampoline(rd_kafka_t*, int err, const char* reason, void* opaque) {
    static_cast<Delivery*>(opaque)->on_error(static_cast<rd_kafka_resp_err_t>(err), reason);
  }
  static void log_trampoline(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
    auto* self = static_cast<Delivery*>(rd_kafka_opaque(rk));
    if (self != nullptr && level <= 4)
      self->log_.warn(self->uuid_, std::string("kafka ") + fac + ": " + buf);
  }

  void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                    rd_kafka_topic_partition_list_t* parts);
  void take_partitions(rd_kafka_topic_partition_list_t* parts);
  void started_partitions(const rd_kafka_topic_partition_list_t* parts);
  void assign_new_partitions();
  Clock::time_point next_metadata_check_{};  // manual assignment: when to look for partitions
  void on_error(rd_kafka_resp_err_t err, const char* reason);
  // Authentication and authorisation failures stop the mapping (reported once); true if so.
  bool stopped_by(rd_kafka_resp_err_t err, std::string_view text);
  std::string sasl_mechanism() const;  // the consumer's, overrides first; empty without SASL
  void place_start_offsets(rd_kafka_topic_partition_list_t* parts);
  std::map<std::int32_t, std::int64_t> pending_time_floors_;  // set by place_start_offsets
  void accept(KafkaMessage msg);
  // A record of `p` into its buffer, or passed over; `decoded`: what the schema registry stage
  // made of it (null: the mapping decodes nothing).
  void admit(PartitionBuffer& p, KafkaMessage msg, DecodeStage::Record* decoded);
  // The schema registry stage (DecodeStage's chunks, judge, settle_held_records) and the filter
  // stage.
  void start_decoding(std::int32_t id, PartitionBuffer& p);
  bool admit_decoded();  // true if any chunk came back
  enum class Verdict { Deliver, Hold, Drop };
  // What the record's decode outcome makes of it; `decoded`: the record decoded (Deliver).
  Verdict judge(PartitionBuffer& p, const rd_kafka_message_t& m,
                schema_registry::DecodeOutcome outcome,
                std::unique_ptr<const schema_registry::DecodedRecord>& decoded);
  void settle_held_records();
  void decode_again(PartitionBuffer& p);
  bool passes_filter(const schema_registry::DecodedRecord* decoded, const rd_kafka_message_t& m);
  // Delivery buffers from the partition queues; true if a queue may hold more that is wanted now.
  bool refill();
  std::vector<rd_kafka_message_t*> refill_buffer_;  // refill()'s, kept: it runs every turn
  static void partition_queue_ready(rd_kafka_t*, void* runner) {
    static_cast<MappingRunner*>(runner)->wake();
  }
  void finish_inflight();
  // The outcome stage (complete, failed) and the error handling after it (give_up, the
  // destination writes, record age).
  void complete(InvokeResult r, InFlight& done);
  void report_outcome(const InvokeResult& r, const PartOutcomes& outcomes);
  void delivered(PartitionBuffer& p, std::size_t n);
  std::optional<BatchPart> failed(PartitionBuffer& p, InFlight& done, const BatchPart& part,
                                  std::vector<KafkaMessage>::iterator first,
                                  std::vector<KafkaMessage>::iterator last, const InvokeResult& r,
                                  bool whole_batch);
  std::optional<BatchPart> give_up(PartitionBuffer& p, std::int32_t id,
                                   std::vector<KafkaMessage> records,
                                   api_models::FailureReport report);
  void expire_old_records();
  void start_destination_writes();
  void complete_destination_write(const InvokeResult& r, InFlight& done);
  void schedule_retry(PartitionBuffer& p);
  std::chrono::milliseconds backoff(int attempts) const;
  void retry_now(PartitionBuffer& p);
  void count_invocation(const InvokeResult& r, std::size_t records, bool whole_batch);
  void publish_progress();
  Clock::time_point next_progress_{};
  bool destination_problem_ = false;  // the last destination write failed
  std::size_t concurrency_limit() const {
    if (config_.concurrency_limit > 0) return config_.concurrency_limit;
    return std::max<std::size_t>(partitions_.size(), 1);
  }
  // Delivery: plan (batch_planner), take the records, invoke.
  bool maybe_dispatch();
  BatchLimits batch_limits() const;
  bool pass_over_if_too_large(std::int32_t partition);
  InFlight take_batch(const BatchPlan& plan);
  std::size_t sendable(const PartitionBuffer& p, std::size_t planned, std::int64_t now_ms) const;
  std::int64_t take_record(PartitionBuffer& p, Batch& batch);
  void start_invocation(InFlight batch);
  std::vector<PartitionSnapshot> snapshots_;  // maybe_dispatch()'s, kept: it runs every turn
  // The commit stage: raises commits_ past the parts, then send_commits().
  void commit(const std::vector<BatchPart>& parts);
  void send_commits();
  static constexpr std::chrono::milliseconds kCommitEvery{20};
  Clock::time_point next_commit_{};
  // Records passed over are done as well: raises commits_ to every partition's done_up_to().
  void note_done_offsets();
  // Commits what note_done_offsets() found, at most twice a second: a stretch of records that
  // all fail the filter commits without any invocation.
  void commit_passed_over();
  bool passed_over_pending_ = false;
  Clock::time_point next_pass_commit_{};
  std::uint64_t filtered_out_ = 0;
  // The partition a batch part was taken from, if that assignment still holds.
  PartitionBuffer* current(const BatchPart& part) {
    auto it = partitions_.find(part.partition);
    return it != partitions_.end() && it->second.epoch == part.epoch ? &it->second : nullptr;
  }
  std::uint64_t epochs_ = 0;  // assignments so far
  // Commits the offsets of every successful batch (of `only`'s partitions), and waits for the
  // broker unless `async`.
  void commit_delivered(const rd_kafka_topic_partition_list_t* only, bool async);
  CommitTracker commits_;
  void report(std::string_view result);
  void check_recovery();
  void check_join_stalled();
  // The topic's partitions as the brokers report them (empty: no such topic), or nothing when
  // they do not answer within 1 s.
  std::optional<std::vector<std::int32_t>> topic_partitions();
  void leave_group_now();
  void recovered();  // the brokers answer again after a connection problem
  int next_wait_ms() const;
  // Per partition, records taken into the delivery buffer ahead of dispatch.
  std::size_t max_buffered_records() const {
    return std::max<std::size_t>(static_cast<std::size_t>(config_.mapping.batch_size) * 2, 10000);
  }
  std::chrono::milliseconds window() const {
    return config_.mapping.maximum_batching_window_s
               ? std::chrono::milliseconds(*config_.mapping.maximum_batching_window_s * 1000)
               : kDefaultWindow;
  }

  MappingRunner& runner_;
  Invoker& invoker_;
  BoundedExecutor& executor_;  // the runner's: outlives every Delivery and its invocations
  const RunnerConfig& config_;
  const RunnerCallbacks& callbacks_;
  api_models::Logger& log_;
  std::atomic<bool>& cancel_;
  MappingMetrics& metrics_;  // the engine's for this mapping
  const std::string uuid_;
  const api_models::KafkaEventSource source_;  // what every event says of its source
  KafkaHandle rk_;
  KafkaQueue queue_;  // the consumer queue: polled here, woken from other threads
  std::map<std::int32_t, PartitionBuffer> partitions_;  // assigned partitions
  // Decodes off this thread (null: the mapping has no schema registry). After rk_: the records
  // it holds go before the consumer does.
  std::unique_ptr<DecodeStage> decode_;
  std::vector<InFlight> inflight_;  // batches of distinct partitions, invoked concurrently
  Clock::time_point last_completion_{};
  std::string last_result_;
  bool live_ = false;
  bool connection_problem_ = false;
  Clock::time_point started_{};
  Clock::time_point next_recovery_check_{};
  bool fatal_ = false;
  bool reopen_ = false;  // librdkafka's consumer hit a fatal error: the runner starts a new one
};

bool Delivery::open() {
  char err[512];
  KafkaConf conf(rd_kafka_conf_new());
  const auto& m = config_.mapping;
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", config_.bootstrap_servers},
      {"group.id", m.group_id()},
      {"client.id", "esm-emulator-" + m.uuid},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "false"},
      {"auto.offset.reset", m.starting_position == "TRIM_HORIZON" ? "earliest" : "latest"},
      {"topic.metadata.refresh.interval.ms", "10000"},
      // Records up to the 6 MB payload limit come whole in one fetch, even from brokers (such as
      // the mock cluster) that do not return an oversized first record the way KIP-74 asks.
      {"max.partition.fetch.bytes", "8388608"},
      // Fetched ahead per partition (each partition has a queue of its own, see PartitionBuffer).
      {"queued.min.messages", std::to_string(std::max(100000, m.batch_size * 2))},
      {"queued.max.messages.kbytes", "16384"},
      {"log.connection.close", "false"},
  };
  for (const auto& [k, v] : config_.cluster_defaults) props[k] = v;
  for (const auto& [k, v] : config_.security_properties) props[k] = v;
  for (const auto& [k, v] : config_.kafka_overrides) props[k] = v;
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      // librdkafka's message may quote the value, and security settings hold secrets.
      const bool secret = config_.security_properties.count(k) && !config_.kafka_overrides.count(k);
      const std::string why = secret ? std::string("a value from the secret is not accepted") : err;
      log_.error(uuid_, "invalid consumer setting " + k + ": " + why);
      callbacks_.on_fatal("ESM_CONFIG_NOT_VALID",
                          "PROBLEM: Invalid consumer configuration: " + k + ": " + why);
      return false;
    }
  }
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &Delivery::rebalance_trampoline);
  rd_kafka_conf_set_error_cb(conf.get(), &Delivery::error_trampoline);
  rd_kafka_conf_set_log_cb(conf.get(), &Delivery::log_trampoline);
  rk_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err));
  if (!rk_ && config_.tls_material) {
    // OpenSSL refused the certificate, key or key password from the secret.
    log_.error(uuid_, std::string("cannot create consumer: ") + err);
    callbacks_.on_fatal("EVENT_SOURCE_AUTHN_ERROR", std::string(kBadCertificate));
    return false;
  }
  if (!rk_) {
    log_.error(uuid_, std::string("cannot create consumer: ") + err);
    callbacks_.on_fatal("ESM_CONFIG_NOT_VALID",
                        std::string("PROBLEM: Invalid consumer configuration: ") + err);
    return false;
  }
  conf.release();
  rd_kafka_poll_set_consumer(rk_.get());
  queue_.reset(rd_kafka_queue_get_consumer(rk_.get()));
  runner_.set_wake_queue(queue_.get());
  KafkaPartitionList topics(rd_kafka_topic_partition_list_new(1));
  for (const auto& t : m.topics)
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (config_.manual_assignment) {
    // No group membership: partitions are assigned from metadata (assign_new_partitions).
  } else if (auto e = rd_kafka_subscribe(rk_.get(), topics.get());
             e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    callbacks_.on_fatal("ESM_CONFIG_NOT_VALID",
                        std::string("PROBLEM: Cannot subscribe: ") + rd_kafka_err2str(e));
    return false;
  }
  started_ = Clock::now();
  last_result_ = m.last_processing_result;
  log_.info(uuid_, "consumer started for topic " + m.topics.front() + " at " +
                       config_.bootstrap_servers + " in group " + m.group_id());
  return true;
}

void Delivery::report(std::string_view result) {
  if (last_result_ == result) return;
  last_result_ = std::string(result);
  if (result.rfind("PROBLEM", 0) == 0) metrics_.set_last_error(last_result_, wall_clock_ms());
  callbacks_.on_result(last_result_);
}

void Delivery::place_start_offsets(rd_kafka_topic_partition_list_t* parts) {
  const auto& m = config_.mapping;
  pending_time_floors_.clear();
  if (m.starting_position == "TRIM_HORIZON") return;  // auto.offset.reset=earliest does it
  KafkaPartitionList committed(rd_kafka_topic_partition_list_copy(parts));
  if (rd_kafka_committed(rk_.get(), committed.get(), 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  // LATEST is pinned at the mapping's creation: a record produced after Create returned is never
  // skipped, so the start is the first offset at or after the creation time. AT_TIMESTAMP the same
  // from its timestamp. Both apply only where the group has no committed offset.
  const double from_s = m.starting_position == "AT_TIMESTAMP" && m.starting_position_timestamp
                            ? *m.starting_position_timestamp
                            : m.created_at;
  const auto from_ms = static_cast<std::int64_t>(from_s * 1000.0);
  KafkaPartitionList query(rd_kafka_topic_partition_list_new(parts->cnt));
  for (int i = 0; i < committed->cnt; ++i) {
    if (committed->elems[i].offset >= 0) continue;
    rd_kafka_topic_partition_list_add(query.get(), committed->elems[i].topic,
                                      committed->elems[i].partition)
        ->offset = from_ms;
  }
  if (query->cnt == 0) return;
  const auto err = rd_kafka_offsets_for_times(rk_.get(), query.get(), 10000);
  for (int i = 0; i < query->cnt; ++i) {
    auto* p =
        rd_kafka_topic_partition_list_find(parts, query->elems[i].topic, query->elems[i].partition);
    if (p == nullptr) continue;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && query->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
        query->elems[i].offset >= 0) {
      p->offset = query->elems[i].offset;
      continue;
    }
    // No offset from the broker: either no record is that recent yet, or the broker cannot look
    // offsets up by time (librdkafka's mock cluster answers -1 to every lookup). Reading from the
    // beginning and passing over older records gives the same start in both cases.
    p->offset = RD_KAFKA_OFFSET_BEGINNING;
    pending_time_floors_[p->partition] = from_ms;
  }
}

void Delivery::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t* parts) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    take_partitions(parts);
    rd_kafka_assign(rk, parts);
    started_partitions(parts);
  } else {
    note_done_offsets();
    commit_delivered(parts, false);
    for (int i = 0; i < parts->cnt; ++i) commits_.forget(parts->elems[i].partition);
    rd_kafka_assign(rk, nullptr);
    for (int i = 0; i < parts->cnt; ++i) partitions_.erase(parts->elems[i].partition);
    log_.info(uuid_, "revoked " + std::to_string(parts->cnt) + " partition(s)");
  }
}

// Before an assignment starts: the start offsets, and each partition's queue taken off the
// consumer queue.
void Delivery::take_partitions(rd_kafka_topic_partition_list_t* parts) {
  place_start_offsets(parts);
  for (int i = 0; i < parts->cnt; ++i) {
    const std::int32_t id = parts->elems[i].partition;
    auto& p = partitions_[id];
    p.epoch = ++epochs_;
    // A batch from before a revocation may still run: this partition waits for it (one batch
    // in flight per partition), and its outcome no longer counts (see complete()).
    p.in_flight = std::any_of(inflight_.begin(), inflight_.end(), [&](const InFlight& f) {
      return std::any_of(f.parts.begin(), f.parts.end(),
                         [&](const BatchPart& b) { return b.partition == id; });
    });
    p.queue.reset(
        rd_kafka_queue_get_partition(rk_.get(), parts->elems[i].topic, parts->elems[i].partition));
    if (p.queue) {
      rd_kafka_queue_forward(p.queue.get(), nullptr);
      rd_kafka_queue_cb_event_enable(p.queue.get(), &Delivery::partition_queue_ready, &runner_);
    }
  }
}

// After an assignment started: time floors, and the mapping is live once it holds partitions.
void Delivery::started_partitions(const rd_kafka_topic_partition_list_t* parts) {
  for (int i = 0; i < parts->cnt; ++i) {
    auto& p = partitions_[parts->elems[i].partition];
    if (auto f = pending_time_floors_.find(parts->elems[i].partition);
        f != pending_time_floors_.end()) {
      p.time_floor_ms = f->second;
    }
  }
  log_.info(uuid_, "assigned " + std::to_string(parts->cnt) + " partition(s)");
  if (!live_) {
    live_ = true;
    callbacks_.on_live();
  }
  if (connection_problem_) recovered();
}

// Manual assignment (RunnerConfig::manual_assignment): every partition of the topic that the
// metadata shows and this consumer does not hold yet is added to the assignment.
void Delivery::assign_new_partitions() {
  const auto now = Clock::now();
  if (now < next_metadata_check_) return;
  next_metadata_check_ = now + (partitions_.empty() ? std::chrono::milliseconds(500)
                                                    : std::chrono::milliseconds(5000));
  const auto ids = topic_partitions();
  if (!ids) return;  // not answered: connection trouble is reported through the error callback
  const auto& topic = config_.mapping.topics.front();
  KafkaPartitionList fresh(rd_kafka_topic_partition_list_new(1));
  for (const std::int32_t id : *ids) {
    if (partitions_.count(id) == 0)
      rd_kafka_topic_partition_list_add(fresh.get(), topic.c_str(), id);
  }
  if (fresh->cnt == 0) return;
  take_partitions(fresh.get());
  if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_.get(), fresh.get())) {
    log_.warn(uuid_, std::string("cannot assign partitions: ") + rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    for (int i = 0; i < fresh->cnt; ++i) partitions_.erase(fresh->elems[i].partition);
    return;
  }
  started_partitions(fresh.get());
}

std::string Delivery::sasl_mechanism() const {
  for (const auto* props : {&config_.kafka_overrides, &config_.security_properties}) {
    if (auto it = props->find("sasl.mechanisms"); it != props->end()) return it->second;
  }
  return {};
}

bool Delivery::stopped_by(rd_kafka_resp_err_t err, std::string_view text) {
  auto stop = classify_kafka_failure(err, text, sasl_mechanism());
  if (!stop) return false;
  if (!fatal_) {
    log_.error(uuid_,
               "stopping: " + std::string(rd_kafka_err2name(err)) + ": " + std::string(text));
    callbacks_.on_fatal(stop->reason, stop->result);
    fatal_ = true;
  }
  return true;
}

void Delivery::on_error(rd_kafka_resp_err_t err, const char* reason) {
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    // librdkafka's consumer is done. For a consumer this is fencing of its static member:
    // librdkafka 2.0.2 fences itself when it rejoins after a session timeout (a broker restart).
    // A new consumer with the same group.instance.id takes the place.
    char why[512];
    const auto cause = rd_kafka_fatal_error(rk_.get(), why, sizeof why);
    log_.warn(uuid_, std::string("consumer failed (") + rd_kafka_err2name(cause) + ": " + why +
                         "); starting a new one");
    reopen_ = true;
    return;
  }
  if (stopped_by(err, reason)) return;
  if (is_connection_error(err)) {
    if (!connection_problem_) log_.warn(uuid_, std::string("broker connection problem: ") + reason);
    connection_problem_ = true;
    next_recovery_check_ = Clock::now() + std::chrono::seconds(1);
    if (live_) report(kConnectionProblem);
    return;
  }
  log_.warn(uuid_, std::string("kafka error: ") + rd_kafka_err2name(err) + ": " + reason);
}

// No assignment within the grace period. Brokers that answer are still forming the group (a
// real broker waits out a dead member's session): the mapping stays in its transition, checked
// again a grace period later; if the topic does not exist yet, the consumer will join once it
// does, and the mapping is on meanwhile. Brokers that do not answer: the mapping is on,
// retrying, and says so.
void Delivery::check_join_stalled() {
  started_ = Clock::now();
  if (!connection_problem_) {
    if (const auto ids = topic_partitions(); ids && !ids->empty()) {
      log_.info(uuid_, "brokers answer; still waiting for the group to assign partitions");
      return;
    } else if (ids) {
      log_.info(uuid_, "topic " + config_.mapping.topics.front() + " does not exist yet");
      live_ = true;
      callbacks_.on_live();
      return;
    }
  }
  // The PROBLEM first: whoever sees the mapping Enabled sees why nothing arrives.
  report(kConnectionProblem);
  live_ = true;
  callbacks_.on_live();
}

std::optional<std::vector<std::int32_t>> Delivery::topic_partitions() {
  KafkaTopic handle(rd_kafka_topic_new(rk_.get(), config_.mapping.topics.front().c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  if (!handle ||
      rd_kafka_metadata(rk_.get(), 0, handle.get(), &md, 1000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  std::vector<std::int32_t> ids;
  for (int t = 0; t < md->topic_cnt; ++t) {
    if (md->topics[t].err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    for (int i = 0; i < md->topics[t].partition_cnt; ++i)
      ids.push_back(md->topics[t].partitions[i].id);
  }
  rd_kafka_metadata_destroy(md);
  return ids;
}

void Delivery::check_recovery() {
  if (!connection_problem_ || Clock::now() < next_recovery_check_) return;
  next_recovery_check_ = Clock::now() + std::chrono::seconds(2);
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk_.get(), 0, nullptr, &md, 500) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(md);
    recovered();
  }
}

void Delivery::recovered() {
  connection_problem_ = false;
  log_.info(uuid_, "broker connection restored");
  // Commits made while the brokers were away may have failed, and no later batch may come to
  // carry them: send every offset delivered so far again (asynchronously; offsets only grow).
  commit_delivered(nullptr, true);
  if (live_) report("OK");
}

void Delivery::accept(KafkaMessage msg) {
  if (msg->err) {
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
    if (stopped_by(msg->err, rd_kafka_message_errstr(msg.get()))) return;
    if (is_connection_error(msg->err) || msg->err == RD_KAFKA_RESP_ERR__FATAL) {
      on_error(msg->err, rd_kafka_message_errstr(msg.get()));
      return;
    }
    log_.debug(uuid_, std::string("consumer event: ") + rd_kafka_message_errstr(msg.get()));
    return;
  }
  auto it = partitions_.find(msg->partition);
  if (it == partitions_.end()) return;  // revoked meanwhile
  auto& p = it->second;
  if (decode_) {
    p.undecoded.push_back(std::move(msg));  // admitted once decoded, in order
    return;
  }
  admit(p, std::move(msg), nullptr);
}

void Delivery::admit(PartitionBuffer& p, KafkaMessage msg, DecodeStage::Record* decoded) {
  p.taken(msg->offset);
  if (p.time_floor_ms) {
    if (rd_kafka_message_timestamp(msg.get(), nullptr) < *p.time_floor_ms) {
      passed_over_pending_ = true;
      return;  // before the start
    }
    p.time_floor_ms.reset();
  }
  metrics_.polled.fetch_add(1, std::memory_order_relaxed);
  if (connection_problem_) recovered();
  if (decoded != nullptr) {
    // Behind a record the registry did not answer for: held, in order, to be decoded again.
    if (p.decode_attempts > 0 || !decoded->tried) {
      p.held.emplace(msg->offset, HeldRecord{});
      p.push_back(std::move(msg));
      return;
    }
    std::unique_ptr<const schema_registry::DecodedRecord> record;
    const Verdict verdict = judge(p, *msg, std::move(decoded->outcome), record);
    if (verdict == Verdict::Drop) return;
    if (verdict == Verdict::Hold) {
      p.push_back(std::move(msg));
      return;
    }
    if (!passes_filter(record.get(), *msg)) return;
    p.push_back(std::move(msg), std::move(record));
    return;
  }
  if (!passes_filter(nullptr, *msg)) return;
  p.push_back(std::move(msg));
}

bool Delivery::passes_filter(const schema_registry::DecodedRecord* decoded,
                             const rd_kafka_message_t& m) {
  if (!config_.filter) return true;
  std::optional<std::string_view> value;
  if (const std::string* json = decoded ? decoded->filter_json() : nullptr) {
    value = *json;  // filters read the decoded value (reference 8.12)
  } else if (m.payload) {
    value = std::string_view(static_cast<const char*>(m.payload), m.len);
  }
  if (config_.filter->matches_kafka_value(value)) return true;
  ++filtered_out_;
  metrics_.filtered_out.fetch_add(1, std::memory_order_relaxed);
  passed_over_pending_ = true;
  return false;
}

// What one record's decode outcome makes of it: delivered decoded (the decoded record stays with
// it); held back when the registry did not answer or, with a destination, when it cannot be
// decoded; dropped (passed over) when it cannot be decoded and there is no destination.
Delivery::Verdict Delivery::judge(PartitionBuffer& p, const rd_kafka_message_t& m,
                                  schema_registry::DecodeOutcome outcome,
                                  std::unique_ptr<const schema_registry::DecodedRecord>& decoded) {
  if (outcome.status == schema_registry::DecodeStatus::Ok) {
    p.decode_attempts = 0;
    decoded = std::move(outcome.record);
    return Verdict::Deliver;
  }
  const std::string where = config_.mapping.topics.front() + "-" + std::to_string(m.partition) +
                            " offset " + std::to_string(m.offset);
  switch (outcome.status) {
    case schema_registry::DecodeStatus::Ok:
      break;
    case schema_registry::DecodeStatus::RegistryUnavailable:
      p.held[m.offset] = HeldRecord{};
      p.decode_retry_at = Clock::now() + backoff(++p.decode_attempts);
      log_.warn(uuid_, "record " + where + " waits for the schema registry. " + outcome.detail);
      report("PROBLEM: Schema registry error. " + outcome.detail);
      return Verdict::Hold;
    case schema_registry::DecodeStatus::SchemaNotFound:
    case schema_registry::DecodeStatus::DeserializationError:
      break;
  }
  const bool not_found = outcome.status == schema_registry::DecodeStatus::SchemaNotFound;
  (not_found ? metrics_.schema_not_found : metrics_.deserialization_errors)
      .fetch_add(1, std::memory_order_relaxed);
  const auto condition = not_found ? api_models::FailureCondition::SchemaNotFound
                                   : api_models::FailureCondition::DeserializationError;
  const std::string reason =
      api_models::condition_name(condition, api_models::DestinationKind::Sqs);
  if (config_.destination) {
    log_.warn(uuid_, "record " + where + " not decoded (" + reason + "): " + outcome.detail);
    p.held[m.offset] = HeldRecord{condition, outcome.detail};
    return Verdict::Hold;
  }
  log_.warn(uuid_, "record " + where + " not decoded (" + reason + "): " + outcome.detail +
                       "; dropped: no OnFailure destination");
  metrics_.dropped.fetch_add(1, std::memory_order_relaxed);
  passed_over_pending_ = true;
  return Verdict::Drop;
}

// Records the registry did not answer for are decoded again, in order, once their partition's
// backoff has passed; records that cannot be decoded go to the destination from the front.
void Delivery::settle_held_records() {
  if (!config_.decoder) return;
  const auto now = Clock::now();
  std::vector<BatchPart> passed;
  for (auto& [id, p] : partitions_) {
    p.prune_held();
    if (p.decode_attempts > 0 && now >= p.decode_retry_at) decode_again(p);
    if (p.in_flight || p.given_up || p.held.empty() || p.empty()) continue;
    const auto front = p.held.begin();
    if (!front->second.rejected || front->first != p.at(0)->offset) continue;
    api_models::FailureReport report;
    report.condition = *front->second.rejected;
    p.held.erase(front);
    std::vector<KafkaMessage> record;
    record.push_back(p.pop_front());
    p.consume_retry_batch(1);
    if (auto part = give_up(p, id, std::move(record), std::move(report))) passed.push_back(*part);
  }
  if (!passed.empty()) commit(passed);
}

void Delivery::decode_again(PartitionBuffer& p) {
  for (auto it = p.held.begin(); it != p.held.end();) {
    if (it->second.rejected) {
      ++it;
      continue;
    }
    const std::int64_t offset = it->first;
    it = p.held.erase(it);  // decided anew
    const std::size_t i = p.index_of(offset);
    if (i >= p.size() || p.at(i)->offset != offset) continue;  // left the buffer
    const rd_kafka_message_t& m = *p.at(i);
    const auto bytes = [](const void* data, std::size_t len) {
      return data ? std::optional<std::string_view>(
                        std::string_view(static_cast<const char*>(data), len))
                  : std::nullopt;
    };
    std::unique_ptr<const schema_registry::DecodedRecord> decoded;
    const Verdict verdict = judge(
        p, m, config_.decoder->decode(bytes(m.key, m.key_len), bytes(m.payload, m.len)), decoded);
    p.set_decoded(i, std::move(decoded));
    if (auto again = p.held.find(offset); again != p.held.end() && !again->second.rejected) {
      return;  // still no answer: this one and every one after it wait for the next attempt
    }
    if (verdict == Verdict::Drop ||
        (verdict == Verdict::Deliver && !passes_filter(p.decoded(i), *p.at(i))))
      p.erase_at(i);
  }
}

bool Delivery::refill() {
  bool more = admit_decoded();
  const std::size_t want = max_buffered_records();
  auto& taken = refill_buffer_;
  taken.resize(std::min<std::size_t>(
      want, static_cast<std::size_t>(std::max(config_.max_drain_per_poll, 1))));
  for (auto& [id, p] : partitions_) {
    // Bounded: each turn takes at most max_drain_per_poll, and stops at an empty queue.
    std::size_t budget = static_cast<std::size_t>(std::max(config_.max_drain_per_poll, 1));
    while (p.queue && !fatal_ && budget > 0 && p.size() + p.undecoded.size() + p.decoding < want &&
           p.bytes() < kMaxBufferedBytesPerPartition) {
      const std::size_t n = std::min({want - p.size(), budget, taken.size()});
      const ssize_t got = rd_kafka_consume_batch_queue(p.queue.get(), 0, taken.data(), n);
      if (got <= 0) break;
      // Every message taken is accepted: one taken and then dropped would be skipped for good.
      for (ssize_t i = 0; i < got; ++i) accept(KafkaMessage(taken[static_cast<std::size_t>(i)]));
      budget -= static_cast<std::size_t>(got);
    }
    start_decoding(id, p);
    more = more || (budget == 0 && p.size() < want);
  }
  return more;
}

// The partition's next undecoded records go to a decode worker, unless some of its records are
// there already, or the registry did not answer for one before them (decode_again goes first).
void Delivery::start_decoding(std::int32_t id, PartitionBuffer& p) {
  if (!decode_ || p.undecoded.empty() || p.decoding > 0 || p.decode_attempts > 0 ||
      decode_->busy(id)) {
    return;
  }
  const std::size_t n = std::min(p.undecoded.size(), kDecodeChunk);
  std::vector<KafkaMessage> chunk;
  chunk.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    chunk.push_back(std::move(p.undecoded.front()));
    p.undecoded.pop_front();
  }
  p.decoding = n;
  decode_->submit(id, p.epoch, std::move(chunk));
}

// The chunks the decode workers finished, admitted record by record in their order.
bool Delivery::admit_decoded() {
  if (!decode_) return false;
  auto chunks = decode_->take_finished();
  for (auto& chunk : chunks) {
    auto it = partitions_.find(chunk.partition);
    if (it == partitions_.end() || it->second.epoch != chunk.epoch) continue;  // let go meanwhile
    auto& p = it->second;
    p.decoding = 0;
    for (auto& r : chunk.records) admit(p, std::move(r.msg), &r);
    start_decoding(chunk.partition, p);
  }
  return !chunks.empty();
}

void Delivery::commit(const std::vector<BatchPart>& parts) {
  for (const auto& part : parts) {
    const PartitionBuffer* p = current(part);
    if (p == nullptr) continue;  // let go since: not ours to commit
    // Past the batch, and past records passed over behind it.
    commits_.raise(part.partition, std::max(part.last_offset + 1, p->done_up_to().value_or(0)));
  }
  send_commits();
}

// What rose goes to the group, asynchronously (the next batch need not wait for the broker), at
// most every kCommitEvery: at one commit per batch, small batches or a function reporting
// failures (an invocation every few hundred records) sent hundreds of OffsetCommit requests a
// second, and the broker's handling of them took as much of the machine as the emulator's
// consumer thread. A commit that fails is retried by the next one (offsets only grow) or by the
// synchronous one when partitions are let go.
void Delivery::send_commits() {
  if (!commits_.has_unsent()) return;
  const auto now = Clock::now();
  if (now < next_commit_) return;  // the loop wakes for it (next_wait_ms)
  next_commit_ = now + kCommitEvery;
  const std::set<std::int32_t> rose = commits_.take_unsent();
  KafkaPartitionList offsets(rd_kafka_topic_partition_list_new(static_cast<int>(rose.size())));
  for (const std::int32_t partition : rose) {
    rd_kafka_topic_partition_list_add(offsets.get(), config_.mapping.topics.front().c_str(),
                                      partition)
        ->offset = commits_.offsets().at(partition);
  }
  if (auto err = rd_kafka_commit(rk_.get(), offsets.get(), 1); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    log_.warn(uuid_, std::string("offset commit failed: ") + rd_kafka_err2str(err));
  }
}

void Delivery::note_done_offsets() {
  for (const auto& [id, p] : partitions_) {
    if (const auto done = p.done_up_to()) commits_.raise(id, *done);
  }
}

void Delivery::commit_passed_over() {
  if (!passed_over_pending_) return;
  const auto now = Clock::now();
  if (now < next_pass_commit_) return;
  next_pass_commit_ = now + std::chrono::milliseconds(500);
  passed_over_pending_ = false;
  if (filtered_out_ > 0) {
    log_.debug(uuid_, std::to_string(filtered_out_) + " record(s) filtered out");
    filtered_out_ = 0;
  }
  note_done_offsets();
  send_commits();  // the same commit stage as delivered batches: only the offsets that rose
}

void Delivery::commit_delivered(const rd_kafka_topic_partition_list_t* only, bool async) {
  KafkaPartitionList offsets(
      rd_kafka_topic_partition_list_new(static_cast<int>(commits_.offsets().size())));
  for (const auto& [partition, offset] : commits_.offsets()) {
    if (only != nullptr &&
        rd_kafka_topic_partition_list_find(only, config_.mapping.topics.front().c_str(),
                                           partition) == nullptr) {
      continue;
    }
    rd_kafka_topic_partition_list_add(offsets.get(), config_.mapping.topics.front().c_str(),
                                      partition)
        ->offset = offset;
  }
  if (only == nullptr) commits_.take_unsent();  // all of it goes now
  if (offsets->cnt == 0) return;
  if (auto err = rd_kafka_commit(rk_.get(), offsets.get(), async ? 1 : 0);
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    log_.warn(uuid_, std::string("offset commit failed: ") + rd_kafka_err2str(err));
  }
}

void Delivery::finish_inflight() {
  for (std::size_t i = 0; i < inflight_.size();) {
    if (inflight_[i].result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      ++i;
      continue;
    }
    InFlight done = std::move(inflight_[i]);
    inflight_.erase(inflight_.begin() + static_cast<std::ptrdiff_t>(i));
    complete(done.result.get(), done);
  }
}

// The outcome stage: what the invocation did to each part of its batch.
struct PartOutcomes {
  // Per part: nothing, delivered; an offset, failed from there on (the records before it done).
  std::vector<std::optional<std::int64_t>> failed_from;
  bool whole_batch = false;  // the function failed, or its answer could not be read
  std::string detail;        // for the log
};

PartOutcomes fail_whole_batch(const InFlight& f, std::string detail) {
  PartOutcomes out;
  out.whole_batch = true;
  out.detail = std::move(detail);
  auto first = f.batch->records_begin();
  for (const auto& part : f.parts) {
    out.failed_from.emplace_back((*first)->offset);
    first += static_cast<std::ptrdiff_t>(part.count);
  }
  return out;
}

// The function's answer read as a partial batch response (§8.7): each identifier must name a
// record of the batch; per partition, the lowest one reported fails with everything after it.
PartOutcomes item_failure_outcomes(const InvokeResult& r, const InFlight& f,
                                   std::string_view topic) {
  const auto answer = api_models::parse_batch_item_failures(r.body);
  if (answer.whole_batch_failed)
    return fail_whole_batch(f, "the response is not a batchItemFailures answer");
  PartOutcomes out;
  out.failed_from.assign(f.parts.size(), std::nullopt);
  for (const auto& item : answer.items) {
    bool found = false;
    auto first = f.batch->records_begin();
    for (std::size_t i = 0; i < f.parts.size() && !found; ++i) {
      const auto last = first + static_cast<std::ptrdiff_t>(f.parts[i].count);
      if (item.partition == std::string(topic) + "-" + std::to_string(f.parts[i].partition)) {
        found = std::any_of(first, last,
                            [&](const KafkaMessage& m) { return m->offset == item.offset; });
        if (found)
          out.failed_from[i] = std::min(out.failed_from[i].value_or(item.offset), item.offset);
      }
      first = last;
    }
    if (!found) {
      return fail_whole_batch(f, "it reported " + item.partition + " offset " +
                                     std::to_string(item.offset) + ", not in the batch");
    }
  }
  if (!answer.items.empty())
    out.detail = "it reported " + std::to_string(answer.items.size()) + " failed record(s)";
  return out;
}

PartOutcomes part_outcomes(const InvokeResult& r, const InFlight& f, bool item_failures,
                           std::string_view topic) {
  if (r.outcome != InvokeResult::Outcome::Success) return fail_whole_batch(f, r.detail);
  if (item_failures) return item_failure_outcomes(r, f, topic);
  return PartOutcomes{std::vector<std::optional<std::int64_t>>(f.parts.size()), false, {}};
}

// The failed records [first, last) of `done`'s batch, back in front of `p`: the batch itself, kept
// whole, when they are its last records and it has no other part (a retry round's usual case),
// else one by one.
void put_back(PartitionBuffer& p, InFlight& done, std::vector<KafkaMessage>::iterator first,
              std::vector<KafkaMessage>::iterator last) {
  auto& messages = done.batch->messages;
  const auto from = static_cast<std::size_t>(first - messages.begin());
  if (done.parts.size() == 1 && last == messages.end()) {
    p.retain(std::move(done.batch), from);
    return;
  }
  p.put_back(*done.batch, from, static_cast<std::size_t>(last - messages.begin()));
}

// Turns an invocation's outcome into commits, retries and the state report, part by part.
void Delivery::complete(InvokeResult r, InFlight& done) {
  if (done.given_up) {
    complete_destination_write(r, done);
    return;
  }
  for (const auto& part : done.parts) {
    // Of the current assignment, or of an earlier one the new one waited for.
    if (auto it = partitions_.find(part.partition); it != partitions_.end())
      it->second.in_flight = false;
  }
  last_completion_ = Clock::now();
  const bool cancelled = r.outcome == InvokeResult::Outcome::Cancelled;
  const auto outcomes = part_outcomes(r, done, config_.errors.report_batch_item_failures,
                                      config_.mapping.topics.front());
  if (!cancelled) count_invocation(r, done.batch->size(), outcomes.whole_batch);
  std::vector<BatchPart> done_parts;  // delivered, or given up and passed over
  auto next = done.batch->records_begin();
  for (std::size_t i = 0; i < done.parts.size(); ++i) {
    const auto& part = done.parts[i];
    const auto first = next;
    next += static_cast<std::ptrdiff_t>(part.count);
    PartitionBuffer* p = current(part);  // null: a later assignment fetches from the commit again
    if (cancelled) {
      if (p != nullptr) put_back(*p, done, first, next);  // in front again, for nobody
      continue;
    }
    if (!outcomes.failed_from[i]) {
      done_parts.push_back(part);
      if (p != nullptr) delivered(*p, part.count);
      continue;
    }
    const auto split = std::find_if(
        first, next, [&](const KafkaMessage& m) { return m->offset >= *outcomes.failed_from[i]; });
    metrics_.failed_invoke.fetch_add(static_cast<std::uint64_t>(next - split),
                                     std::memory_order_relaxed);
    if (split != first) {
      done_parts.push_back({part.partition, static_cast<std::size_t>(split - first),
                            (*(split - 1))->offset, part.epoch});
    }
    if (p == nullptr) continue;
    if (auto passed = failed(*p, done, part, split, next, r, outcomes.whole_batch))
      done_parts.push_back(*passed);
    // A function that got past some of the records is not stuck: the rest go again at once,
    // and a later failure backs off from the start.
    if (split != first) retry_now(*p);
  }
  if (cancelled) return;
  if (!done_parts.empty()) commit(done_parts);
  report_outcome(r, outcomes);
}

// The metrics of one finished invocation (its duration is counted by the worker).
void Delivery::count_invocation(const InvokeResult& r, std::size_t records, bool whole_batch) {
  metrics_.invocations.fetch_add(1, std::memory_order_relaxed);
  metrics_.invoked.fetch_add(records, std::memory_order_relaxed);
  metrics_.batch_records.observe(static_cast<double>(records));
  if (!whole_batch) return;
  auto& kind = r.outcome == InvokeResult::Outcome::ConnectionError ? metrics_.function_unreachable
                                                                   : metrics_.function_errors;
  kind.fetch_add(1, std::memory_order_relaxed);
}

void Delivery::report_outcome(const InvokeResult& r, const PartOutcomes& outcomes) {
  if (outcomes.whole_batch) {
    const bool unreachable = r.outcome == InvokeResult::Outcome::ConnectionError;
    log_.warn(uuid_, std::string(unreachable ? "function unreachable: " : "function error: ") +
                         outcomes.detail);
    if (r.tls_failure) {
      report(
          "PROBLEM: Connection error. The function endpoint's TLS certificate was not "
          "accepted: " +
          r.detail);
    } else {
      report(unreachable ? kFunctionUnreachable : kFunctionProblem);
    }
    return;
  }
  if (!outcomes.detail.empty()) log_.warn(uuid_, "partial batch failure: " + outcomes.detail);
  if (!r.detail.empty()) log_.info(uuid_, "function stderr: " + r.detail);
  // Records fetched before the brokers went away still reach the function, but the mapping
  // reports the connection problem until the brokers answer again.
  if (!connection_problem_ && !destination_problem_) report("OK");
}

// `n` records of the partition were delivered: the next retry batch (a bisected half) goes at
// once, or the partition is no longer retrying.
void Delivery::delivered(PartitionBuffer& p, std::size_t n) {
  p.consume_retry_batch(n);
  p.first_buffered = Clock::now();
  retry_now(p);
}

// What the partition holds goes at once: a retry batch without backoff, or new records after
// the batching window.
void Delivery::retry_now(PartitionBuffer& p) {
  p.attempts = p.retry_batches.empty() ? 0 : 1;
  p.retry_at = Clock::now();
}

// The function failed for [first, last) of a part (the part's records before them are done):
// retried, bisected or given up, as the mapping's error handling says. Returns the records
// passed over when they are given up with no destination to go to.
std::optional<BatchPart> Delivery::failed(PartitionBuffer& p, InFlight& done, const BatchPart& part,
                                          std::vector<KafkaMessage>::iterator first,
                                          std::vector<KafkaMessage>::iterator last,
                                          const InvokeResult& r, bool whole_batch) {
  const auto n = static_cast<std::size_t>(last - first);
  const RetryBatch was = p.consume_retry_batch(part.count);
  const bool reached = r.outcome != InvokeResult::Outcome::ConnectionError;
  RetryBatch again{n, was.retries, was.invocations + (reached ? 1 : 0)};
  switch (on_failure(config_.errors, was.retries, n, reached, whole_batch)) {
    case FailureAction::Retry:
      if (reached) ++again.retries;
      put_back(p, done, first, last);
      p.retry_batches.push_front(again);
      schedule_retry(p);
      return std::nullopt;
    case FailureAction::Bisect:
      log_.info(uuid_, "bisecting " + std::to_string(n) + " failed record(s) of partition " +
                           std::to_string(part.partition));
      put_back(p, done, first, last);
      p.retry_batches.push_front({n / 2, again.retries, again.invocations});
      p.retry_batches.push_front({n - n / 2, again.retries, again.invocations});
      p.attempts = 0;
      schedule_retry(p);
      return std::nullopt;
    case FailureAction::GiveUp:
      break;
  }
  api_models::FailureReport report;
  report.condition = api_models::FailureCondition::RetriesExhausted;
  report.approximate_invoke_count = again.invocations;
  report.function_responded = true;
  report.function_error = r.outcome != InvokeResult::Outcome::Success;
  return give_up(p, part.partition, {std::make_move_iterator(first), std::make_move_iterator(last)},
                 std::move(report));
}

// Records that will not be sent to the function: to the destination (they stay the partition's
// first records until it accepts them), or passed over when the mapping has none.
std::optional<BatchPart> Delivery::give_up(PartitionBuffer& p, std::int32_t id,
                                           std::vector<KafkaMessage> records,
                                           api_models::FailureReport report) {
  report.request_id = api_models::random_uuid();
  report.function_arn = config_.mapping.function_arn;
  report.timestamp_ms = wall_clock_ms();
  const auto& topic = config_.mapping.topics.front();
  const std::string what =
      std::to_string(records.size()) + " record(s) of " + topic + "-" + std::to_string(id) +
      " from offset " + std::to_string(records.front()->offset) + " (" +
      api_models::condition_name(report.condition, api_models::DestinationKind::Sqs) + ")";
  retry_now(p);
  if (!config_.destination) {
    metrics_.dropped.fetch_add(records.size(), std::memory_order_relaxed);
    log_.warn(uuid_, what + " given up: no OnFailure destination, passed over");
    return BatchPart{id, records.size(), records.back()->offset, p.epoch};
  }
  log_.info(uuid_, what + " given up: to " + config_.destination->name());
  p.given_up =
      std::make_unique<FailedRecords>(FailedRecords{std::move(records), std::move(report)});
  return std::nullopt;
}

// Records older than MaximumRecordAgeInSeconds at the front of a partition are given up before
// the next batch is planned (the batch itself stops at a later one that is too old).
void Delivery::expire_old_records() {
  if (config_.errors.maximum_record_age_s < 0) return;
  const std::int64_t now_ms = wall_clock_ms();
  std::vector<BatchPart> passed;
  for (auto& [id, p] : partitions_) {
    if (p.in_flight || p.given_up) continue;
    std::vector<KafkaMessage> old;
    while (!p.empty() &&
           config_.errors.expired(rd_kafka_message_timestamp(p.at(0), nullptr), now_ms)) {
      old.push_back(p.pop_front());
    }
    if (old.empty()) continue;
    p.consume_retry_batch(old.size());
    api_models::FailureReport report;
    report.condition = api_models::FailureCondition::RecordAgeExceeded;
    if (auto part = give_up(p, id, std::move(old), std::move(report))) passed.push_back(*part);
  }
  if (!passed.empty()) commit(passed);
}

// Each partition whose given-up records are due to be written gets a destination write.
void Delivery::start_destination_writes() {
  for (auto& [id, p] : partitions_) {
    if (!p.given_up || p.in_flight || p.retry_at > Clock::now()) continue;
    if (inflight_.size() >= concurrency_limit()) return;
    InFlight f;
    f.parts.push_back(
        {id, p.given_up->messages.size(), p.given_up->messages.back()->offset, p.epoch});
    f.given_up = std::move(p.given_up);
    p.in_flight = true;
    auto promise = std::make_shared<std::promise<InvokeResult>>();
    f.result = promise->get_future();
    executor_.submit([promise, records = f.given_up.get(), &runner = runner_,
                      destination = config_.destination, source = source_,
                      topic = config_.mapping.topics.front()] {
      std::vector<KafkaRecordView> views;
      for (const auto& m : records->messages) {
        bool no_headers = false;  // asked once per write: writes are few
        views.push_back(record_view(m.get(), topic, no_headers));
      }
      InvokeResult r;
      const auto why = destination->write(source, records->report, views);
      r.outcome = why ? InvokeResult::Outcome::FunctionError : InvokeResult::Outcome::Success;
      r.detail = why.value_or("");
      promise->set_value(std::move(r));
      runner.wake();
    });
    inflight_.push_back(std::move(f));
  }
}

// A destination write's outcome: the records are done (committed past), or stay for another
// write, with the destination named in the mapping's LastProcessingResult.
void Delivery::complete_destination_write(const InvokeResult& r, InFlight& done) {
  const BatchPart& part = done.parts.front();
  if (auto it = partitions_.find(part.partition); it != partitions_.end())
    it->second.in_flight = false;
  PartitionBuffer* p = current(part);
  if (p == nullptr) return;  // let go meanwhile: read again from the commit
  const std::string& name = config_.destination->name();
  if (r.outcome == InvokeResult::Outcome::Success) {
    metrics_.on_failure_delivered.fetch_add(part.count, std::memory_order_relaxed);
    log_.info(uuid_, std::to_string(part.count) + " record(s) of partition " +
                         std::to_string(part.partition) + " written to " + name);
    retry_now(*p);
    commit({part});
    if (destination_problem_) {
      destination_problem_ = false;
      if (!connection_problem_) report("OK");
    }
    return;
  }
  metrics_.destination_failures.fetch_add(1, std::memory_order_relaxed);
  p->given_up = std::move(done.given_up);
  schedule_retry(*p);
  log_.warn(uuid_, "on-failure destination " + name + " did not take " +
                       std::to_string(part.count) + " record(s): " + r.detail + "; will retry");
  destination_problem_ = true;
  report("PROBLEM: The on-failure destination " + name + " could not be written: " + r.detail);
}

void Delivery::schedule_retry(PartitionBuffer& p) {
  ++p.attempts;
  p.retry_at = Clock::now() + backoff(p.attempts);
}

std::chrono::milliseconds Delivery::backoff(int attempts) const {
  auto wait = config_.retry_backoff_initial * (1LL << std::min(attempts - 1, 16));
  return std::min<std::chrono::milliseconds>(
      std::chrono::duration_cast<std::chrono::milliseconds>(wait), config_.retry_backoff_max);
}

BatchLimits Delivery::batch_limits() const {
  const auto& topic = config_.mapping.topics.front();
  api_models::KafkaRecordView bare;  // no key, value or headers
  bare.topic = topic;
  return {static_cast<std::size_t>(config_.mapping.batch_size),
          window(),
          api_models::kMaxPayloadBytes,
          api_models::kafka_event_overhead(source_),
          api_models::kafka_partition_group_overhead(topic),
          api_models::kafka_record_size_bound(bare)};
}

// The batching stage decides (batch_planner.hpp); this takes the records out of their buffers
// and starts the invocation.
bool Delivery::maybe_dispatch() {
  start_destination_writes();
  if (inflight_.size() >= concurrency_limit()) return false;
  expire_old_records();
  settle_held_records();
  snapshots_.clear();
  for (const auto& [id, p] : partitions_) {
    // A partition with records on their way to the destination sends nothing else meanwhile.
    snapshots_.push_back({id, p.ready(), p.bytes(), p.attempts, p.batch_cap(),
                          p.in_flight || p.given_up != nullptr, p.retry_at, p.first_buffered});
  }
  const std::string_view topic = config_.mapping.topics.front();
  PartitionBuffer* asked = nullptr;  // the planner asks record after record of one partition
  std::int32_t asked_id = -1;
  const auto bound = [&](std::int32_t id, std::size_t i) {
    if (asked == nullptr || asked_id != id) {
      asked = &partitions_.at(id);
      asked_id = id;
    }
    return asked->size_bound(i, topic);
  };
  auto plan = plan_batch(snapshots_, batch_limits(), bound, last_completion_, Clock::now());
  if (!plan) return false;
  if (plan->single_over_bound && pass_over_if_too_large(plan->parts.front().partition)) return true;
  InFlight batch = take_batch(*plan);
  if (batch.parts.empty()) return true;  // its records grew too old meanwhile: given up next turn
  start_invocation(std::move(batch));
  return true;
}

// One record alone over the payload limit can never be delivered: it is reported and passed
// over. True if so.
bool Delivery::pass_over_if_too_large(std::int32_t id) {
  auto& p = partitions_.at(id);
  const auto& topic = config_.mapping.topics.front();
  const KafkaRecordView v = p.view(0, topic);
  const std::size_t size = api_models::kafka_event_json(source_, {v}).size();
  if (size <= api_models::kMaxPayloadBytes) return false;
  log_.error(uuid_, "record " + topic + "-" + std::to_string(id) + " offset " +
                        std::to_string(v.offset) + " is " + std::to_string(size) +
                        " bytes as an event, over the 6291456-byte payload limit; skipped");
  const std::int64_t offset = v.offset;
  std::vector<KafkaMessage> record;
  record.push_back(p.pop_front());
  p.consume_retry_batch(1);
  if (config_.destination) {
    api_models::FailureReport failure;
    failure.condition = api_models::FailureCondition::MaximumPayloadSizeExceeded;
    give_up(p, id, std::move(record), std::move(failure));
    return true;
  }
  commit({{id, 1, offset, p.epoch}});
  report("PROBLEM: Record too large. A record at offset " + std::to_string(offset) +
         " exceeds the 6291456-byte invocation payload limit and was skipped.");
  return true;
}

// How many of the first `planned` records of `p` may be sent: up to the first one too old.
std::size_t Delivery::sendable(const PartitionBuffer& p, std::size_t planned,
                               std::int64_t now_ms) const {
  if (config_.errors.maximum_record_age_s < 0) return planned;
  std::size_t count = 0;
  while (count < planned &&
         !config_.errors.expired(rd_kafka_message_timestamp(p.at(count), nullptr), now_ms)) {
    ++count;
  }
  return count;
}

// The planned records, out of their buffers (which are in flight until the outcome). A retry of
// a retained batch's records sends that batch again.
InFlight Delivery::take_batch(const BatchPlan& plan) {
  InFlight f;
  const std::int64_t now_ms = wall_clock_ms();
  if (plan.parts.size() == 1) {
    auto& p = partitions_.at(plan.parts.front().partition);
    const std::size_t count = sendable(p, plan.parts.front().count, now_ms);
    if (count > 0 && count == p.retained()) {
      p.in_flight = true;
      f.batch = p.take_retained();
      f.parts.push_back(
          {plan.parts.front().partition, count, f.batch->messages.back()->offset, p.epoch});
      return f;
    }
  }
  f.batch = std::make_unique<Batch>();
  std::size_t planned_records = 0;
  for (const auto& planned : plan.parts) planned_records += planned.count;
  f.batch->messages.reserve(planned_records);
  f.batch->views.reserve(planned_records);
  f.batch->decoded.reserve(planned_records);
  for (const auto& planned : plan.parts) {
    auto& p = partitions_.at(planned.partition);
    const std::size_t count = sendable(p, planned.count, now_ms);
    if (count == 0) continue;
    p.in_flight = true;
    BatchPart part{planned.partition, count, -1, p.epoch};
    for (std::size_t i = 0; i < count; ++i) part.last_offset = take_record(p, *f.batch);
    f.parts.push_back(part);
  }
  return f;
}

// The front record of `p` into `batch`, with its view; returns its offset.
std::int64_t Delivery::take_record(PartitionBuffer& p, Batch& batch) {
  auto taken = p.take_front();
  const std::int64_t offset = taken.msg->offset;
  if (taken.view) {
    auto& events = batch.earlier_events;
    if (taken.event && (events.empty() || events.back() != taken.event))
      events.push_back(std::move(taken.event));
    batch.views.push_back(std::move(*taken.view));
  } else {
    batch.views.push_back(event_view(taken.msg.get(), taken.decoded.get(),
                                     config_.mapping.topics.front(), taken.no_headers));
  }
  batch.messages.push_back(std::move(taken.msg));
  batch.decoded.push_back(std::move(taken.decoded));
  return offset;
}

// The event is encoded and the function called on a worker of the runner's executor, so the
// consumer loop goes on polling and dispatching meanwhile.
void Delivery::start_invocation(InFlight f) {
  log_.debug(uuid_, "invoking with " + std::to_string(f.batch->size()) + " record(s)");
  auto promise = std::make_shared<std::promise<InvokeResult>>();
  f.result = promise->get_future();
  Batch* records = f.batch.get();
  // The result is set before the wake-up: a loop woken early would find it not ready and sleep on.
  // The runner outlives its executor's tasks (see MappingRunner's members).
  executor_.submit([promise, records, &runner = runner_, &invoker = invoker_, &cancel = cancel_,
                    &metrics = metrics_, &history = config_.history, &log = log_, uuid = uuid_,
                    target = config_.function, source = source_] {
    std::vector<api_models::RecordSpan> spans;
    auto event = std::make_shared<const std::string>(
        api_models::kafka_event_json(source, records->record_views(), &spans));
    auto call = invoke_recorded(invoker, target, *event, {uuid, api_models::random_uuid()}, cancel,
                                history);
    records->sent(std::move(event), spans);
    metrics.duration_seconds.observe(call.seconds);
    auto& record = call.record;
    add_ranges(record, records->record_views());
    if (log.enabled(api_models::LogLevel::Debug, uuid)) log.debug(uuid, describe(record));
    metrics.record_invocation(std::move(record), history.invocations);
    promise->set_value(std::move(call.result));
    runner.wake();  // the consumer loop picks the result up at once
  });
  inflight_.push_back(std::move(f));
}

void Delivery::loop(const std::stop_token& stop, const std::atomic<bool>& graceful) {
  while (!fatal_ && !reopen_) {
    if (stop.stop_requested()) {
      if (!graceful.load()) cancel_.store(true);
      if (inflight_.empty()) break;
      inflight_.front().result.wait_for(std::chrono::milliseconds(20));
      finish_inflight();
      continue;
    }
    finish_inflight();
    bool busy = refill();
    // Every batch that is ready goes now, each to its own invocation.
    while (maybe_dispatch()) busy = true;
    // Serve the consumer queue: rebalances and errors (records come by the partition queues; a
    // message found here all the same is accepted). Waits until something is due or a partition
    // queue, a finished invocation or a stop request wakes it.
    KafkaMessage msg(rd_kafka_consume_queue(queue_.get(), busy ? 0 : next_wait_ms()));
    for (int drained = 1; msg; ++drained) {
      accept(std::move(msg));
      if (drained >= config_.max_drain_per_poll) break;
      msg.reset(rd_kafka_consume_queue(queue_.get(), 0));
    }
    commit_passed_over();
    send_commits();  // what waited for kCommitEvery
    check_recovery();
    if (!reopen_ && rd_kafka_fatal_error(rk_.get(), nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      on_error(RD_KAFKA_RESP_ERR__FATAL, "fatal error");  // however librdkafka reported it
    }
    if (config_.manual_assignment) assign_new_partitions();
    if (!live_ && Clock::now() - started_ > config_.connect_grace) check_join_stalled();
    publish_progress();
  }
  metrics_.set_partitions({});
}

// The assigned partitions' committed offsets and high watermarks (librdkafka's, as its fetches
// last saw them: no request to the brokers), for the metrics; about once a second.
void Delivery::publish_progress() {
  const auto now = Clock::now();
  if (now < next_progress_) return;
  next_progress_ = now + std::chrono::seconds(1);
  const std::string& topic = config_.mapping.topics.front();
  std::vector<PartitionProgress> out;
  out.reserve(partitions_.size());
  for (const auto& [id, p] : partitions_) {
    PartitionProgress progress;
    progress.partition = id;
    if (auto it = commits_.offsets().find(id); it != commits_.offsets().end()) {
      progress.committed = it->second;
    } else if (auto done = p.done_up_to()) {
      progress.committed = *done;  // nothing committed by this consumer yet: where it stands
    }
    std::int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(rk_.get(), topic.c_str(), id, &low, &high) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      progress.high_watermark = high;
    }
    out.push_back(progress);
  }
  metrics_.set_partitions(std::move(out));
}

// librdkafka's close sends no LeaveGroup for a static member (KIP-345); an unsubscribe does,
// once its revocation is served. Waits for that, a few seconds at most.
void Delivery::leave_group_now() {
  if (config_.manual_assignment || config_.cluster_defaults.count("group.instance.id") == 0) return;
  if (rd_kafka_unsubscribe(rk_.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!partitions_.empty() && Clock::now() < deadline) {
    KafkaMessage msg(rd_kafka_consume_queue(queue_.get(), 100));  // serves the revocation
  }
  // The LeaveGroup goes once the unassignment is done; give it a moment on the wire.
  for (int i = 0; i < 5; ++i) KafkaMessage msg(rd_kafka_consume_queue(queue_.get(), 20));
}

namespace {
// Milliseconds from `now` to `due` (rounded up, so that it has passed on waking), at most `most`.
int wait_ms_until(Clock::time_point due, Clock::time_point now, int most) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count();
  return static_cast<int>(std::clamp<long long>(ms + 1, 0, most));
}
}  // namespace

// How long the loop may block on the consumer queue: until the batching window, a retry or a
// commit is due, else a while (records reaching an empty partition queue, a finished invocation and
// a stop request wake it early). Long when idle: 500 mappings waking twice a second cost 3% of a
// core.
int Delivery::next_wait_ms() const {
  constexpr int kIdleMs = 5000;
  const auto now = Clock::now();
  auto due = now + std::chrono::milliseconds(kIdleMs);
  if (commits_.has_unsent()) due = std::min(due, next_commit_);
  if (inflight_.size() >= concurrency_limit()) return wait_ms_until(due, now, kIdleMs);
  for (const auto& [id, p] : partitions_) {
    if (p.given_up && !p.in_flight) due = std::min(due, p.retry_at);
    if (p.empty() || p.in_flight || p.given_up) continue;
    const auto ready =
        p.attempts > 0 ? p.retry_at : std::max(p.first_buffered, last_completion_) + window();
    due = std::min(due, std::max(ready, p.retry_at));
  }
  if (connection_problem_) due = std::min(due, next_recovery_check_);
  if (passed_over_pending_) due = std::min(due, next_pass_commit_);
  if (!live_) due = std::min(due, started_ + config_.connect_grace);
  if (config_.manual_assignment) due = std::min(due, next_metadata_check_);
  return wait_ms_until(due, now, kIdleMs);
}

void Delivery::close(bool leave_group) {
  if (!rk_) return;
  cancel_.store(true);
  inflight_.clear();  // each future waits for its (cancelled) invocation
  note_done_offsets();
  commit_delivered(nullptr, false);
  filtered_out_ = 0;
  if (config_.filter) {
    log_.info(uuid_,
              std::to_string(metrics_.filtered_out.load()) + " record(s) filtered out so far");
  }
  if (leave_group) leave_group_now();
  decode_.reset();      // waits for the records its workers hold, which go before the handle
  partitions_.clear();  // release messages and partition queues before the handle goes
  runner_.set_wake_queue(nullptr);
  queue_.reset();
  rd_kafka_consumer_close(rk_.get());  // leaves the group
  rk_.reset();
  log_.info(uuid_, "consumer closed");
}

}  // namespace

MappingRunner::MappingRunner(RunnerConfig config, RunnerCallbacks callbacks, Invoker& invoker,
                             api_models::Logger& log)
    : config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      log_(log),
      invoker_(invoker),
      executor_(static_cast<std::size_t>(std::max(config_.max_concurrent_batches, 1)),
                std::chrono::seconds(10), "esm-invoke"),
      thread_([this](const std::stop_token& stop) { run(stop); }) {}

MappingRunner::~MappingRunner() {
  if (!thread_.get_stop_token().stop_requested()) request_stop(false);
  // jthread joins here
}

void MappingRunner::request_stop(bool graceful, bool leave_group) {
  graceful_.store(graceful);
  leave_group_.store(leave_group);
  if (!graceful) cancel_.store(true);
  thread_.request_stop();
  wake();
}

void MappingRunner::set_wake_queue(rd_kafka_queue_t* queue) {
  std::lock_guard lock(wake_mutex_);
  wake_queue_ = queue;
}

void MappingRunner::wake() {
  std::lock_guard lock(wake_mutex_);
  if (wake_queue_ != nullptr) rd_kafka_queue_yield(wake_queue_);
}

// A second between a failed consumer and the next (stop requests cut it short); false if stopped.
bool MappingRunner::pause_before_reopen(const std::stop_token& stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  cv.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
  cancel_.store(false);
  return !stop.stop_requested();
}

void MappingRunner::run(const std::stop_token& stop) {
  name_this_thread("esm-mapping");
  {
    bool connection_problem = false;  // of the consumer before, when one is replaced
    for (;;) {
      Delivery delivery(config_, callbacks_, log_, cancel_, *this, invoker_, executor_);
      if (connection_problem) delivery.inherit_connection_problem();
      if (delivery.open()) delivery.loop(stop, graceful_);
      connection_problem = delivery.connection_problem();
      const bool again = delivery.needs_new_consumer() && !stop.stop_requested();
      delivery.close(!again && leave_group_.load());
      if (!again || !pause_before_reopen(stop)) break;
    }
  }
  finished_.store(true);
  callbacks_.on_stopped();
}

}  // namespace esm::engine
