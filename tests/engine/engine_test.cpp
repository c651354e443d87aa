#include "engine/engine.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>

#include "api_models/json_value.hpp"
#include "api_models/log.hpp"
#include "api_models/requests.hpp"
#include "engine/embedded_kafka.hpp"
#include "kafka_test_util.hpp"
#include "test_http_server.hpp"

using namespace esm;
using api_models::EventSourceMapping;
using api_models::JsonValue;
using api_models::MappingState;
using testing::eventually;
using testing::TestHttpServer;

namespace {

std::unique_ptr<engine::EmbeddedKafka> start_kafka() {
  auto k = engine::EmbeddedKafka::start(1);
  REQUIRE(k.ok());
  return std::move(k).value();
}

std::unique_ptr<storage::MappingStore> open_store() {
  auto s = storage::MappingStore::open({":memory:"});
  REQUIRE(s.ok());
  return std::move(s).value();
}

struct EngineFixture {
  std::unique_ptr<engine::EmbeddedKafka> kafka = start_kafka();
  std::unique_ptr<storage::MappingStore> store = open_store();
  std::ostringstream log_text;
  api_models::Logger log{log_text, api_models::LogLevel::Info, false};
  engine::FunctionRegistry functions;
  engine::FunctionInvoker invoker;
  std::unique_ptr<engine::Engine> engine;
  int drain_limit = 10000;
  bool embedded = false;  // the cluster is the emulator's own: consumers assign directly

  engine::EngineSettings settings() const {
    engine::EngineSettings s;
    if (embedded) s.embedded_bootstrap = kafka->bootstraps();
    s.kafka_overrides = {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}};
    s.reconcile_interval = std::chrono::milliseconds(200);
    s.retry_backoff_initial = std::chrono::milliseconds(50);
    s.retry_backoff_max = std::chrono::milliseconds(200);
    s.connect_grace = std::chrono::seconds(5);
    s.max_drain_per_poll = drain_limit;
    return s;
  }
  void start_engine() {
    engine = std::make_unique<engine::Engine>(*store, functions, invoker, settings(), log);
    engine->start();
  }

  std::string create(const std::string& function, const std::string& topic,
                     const std::string& extra = "") {
    auto req = api_models::parse_create_request(
        R"({"FunctionName":")" + function + R"(","Topics":[")" + topic +
            R"("],"SelfManagedEventSource":{"Endpoints":{"KAFKA_BOOTSTRAP_SERVERS":[")" +
            kafka->bootstraps() +
            R"("]}},"SourceAccessConfigurations":[{"Type":"VPC_SUBNET","URI":"subnet:s"}])" +
            (extra.empty() ? "" : "," + extra) + "}",
        {"us-east-1", "123456789012"});
    REQUIRE(req.ok());
    auto stored = store->insert(req.value().mapping, {});
    REQUIRE(stored.ok());
    engine->notify_changed(stored.value().uuid);
    return stored.value().uuid;
  }
  EventSourceMapping get(const std::string& uuid) { return store->get(uuid).value(); }
  bool in_state(const std::string& uuid, MappingState s) {
    auto g = store->get(uuid);
    return g.ok() && g.value().state == s;
  }
  // As UpdateEventSourceMapping does: the mapping as stored (what the API answers), then the
  // engine told.
  EventSourceMapping update(const std::string& uuid, const std::string& body) {
    auto u = api_models::parse_update_request(body);
    REQUIRE(u.ok());
    auto r = store->update(uuid, [&](EventSourceMapping& m) {
      return api_models::apply_update(u.value(), {m.region, m.account_id}, m);
    });
    REQUIRE(r.ok());
    engine->notify_changed(uuid);
    return r.value();
  }
  ~EngineFixture() {
    if (engine) engine->stop();
  }
};

// The records of these events, in order, as "partition:offset".
std::vector<std::string> records_of(const std::vector<std::string>& bodies) {
  std::vector<std::string> out;
  for (const auto& body : bodies) {
    auto event = JsonValue::parse(body);
    if (!event.ok()) continue;
    for (const auto& [key, records] : event.value().get("records")->members()) {
      for (const auto& r : records.items()) {
        out.push_back(std::to_string(r.get("partition")->as_int()) + ":" +
                      std::to_string(r.get("offset")->as_int()));
      }
    }
  }
  return out;
}

// Every record the function was sent, in the order sent, as "partition:offset".
std::vector<std::string> received(TestHttpServer& server) { return records_of(server.bodies()); }

// The deliveries of one partition, in the order received.
std::vector<std::string> of_partition(const std::vector<std::string>& got, int partition) {
  std::vector<std::string> out;
  std::copy_if(got.begin(), got.end(), std::back_inserter(out), [&](const std::string& s) {
    return s.rfind(std::to_string(partition) + ":", 0) == 0;
  });
  return out;
}

std::size_t count_partition(const std::vector<std::string>& got, int partition) {
  return static_cast<std::size_t>(std::count_if(got.begin(), got.end(), [&](const std::string& s) {
    return s.rfind(std::to_string(partition) + ":", 0) == 0;
  }));
}

}  // namespace

TEST_CASE_METHOD(EngineFixture,
                 "Engine: a mapping goes Enabled, delivers history in order and commits",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("orders", 2).ok());
  testing::Producer producer(kafka->bootstraps());
  for (int i = 0; i < 3; ++i)
    producer.send("orders", 0, "k" + std::to_string(i), "v" + std::to_string(i));
  for (int i = 0; i < 2; ++i)
    producer.send("orders", 1, std::nullopt, "w" + std::to_string(i), {{"h", "\xc3\xab"}});
  TestHttpServer fn;
  REQUIRE(functions.declare("orders=" + fn.url()).ok());
  start_engine();
  const auto uuid = create("orders", "orders", R"("MaximumBatchingWindowInSeconds":0)");
  CHECK(get(uuid).state == MappingState::Creating);
  REQUIRE(eventually([&] { return in_state(uuid, MappingState::Enabled); }));
  REQUIRE(eventually([&] { return received(fn).size() == 5; }));
  CHECK(of_partition(received(fn), 0) == std::vector<std::string>{"0:0", "0:1", "0:2"});
  CHECK(of_partition(received(fn), 1) == std::vector<std::string>{"1:0", "1:1"});
  CHECK(fn.bodies()[0].find(R"("eventSource":"SelfManagedKafka")") != std::string::npos);
  const auto group = get(uuid).group_id();
  REQUIRE(eventually(
      [&] { return testing::committed_offset(kafka->bootstraps(), group, "orders", 0) == 3; }));
  // Partitions may travel in separate batches, each committed on its own.
  CHECK(eventually(
      [&] { return testing::committed_offset(kafka->bootstraps(), group, "orders", 1) == 2; }));
  CHECK(eventually([&] { return get(uuid).last_processing_result == "OK"; }));
}

TEST_CASE_METHOD(
    EngineFixture,
    "Engine: BatchSize cuts batches and a failing partition does not hold back the others",
    "[engine][kafka]") {
  REQUIRE(kafka->create_topic("iso", 2).ok());
  std::atomic<bool> broken{true};
  std::mutex ok_mutex;
  std::vector<std::string> ok_bodies;  // guarded by ok_mutex: events the function accepted
  TestHttpServer fn([&](const std::string&, const std::string& body) {
    if (broken && body.find("\"iso-0\"") != std::string::npos) {
      return TestHttpServer::Reply{500, "no", {}, {}};
    }
    std::lock_guard lock(ok_mutex);
    ok_bodies.push_back(body);
    return TestHttpServer::Reply{};
  });
  REQUIRE(functions.declare("iso=" + fn.url()).ok());
  testing::Producer producer(kafka->bootstraps());
  for (int i = 0; i < 4; ++i) producer.send("iso", 0, std::nullopt, "p0-" + std::to_string(i));
  for (int i = 0; i < 5; ++i) producer.send("iso", 1, std::nullopt, "p1-" + std::to_string(i));
  start_engine();
  const auto uuid = create("iso", "iso", R"("BatchSize":2,"MaximumBatchingWindowInSeconds":0)");
  const auto group_id = uuid;
  // Partition 1 is fully delivered and committed while partition 0 keeps failing.
  REQUIRE(eventually(
      [&] { return testing::committed_offset(kafka->bootstraps(), group_id, "iso", 1) == 5; }));
  CHECK(testing::committed_offset(kafka->bootstraps(), group_id, "iso", 0) < 0);
  CHECK(eventually([&] { return get(uuid).last_processing_result.rfind("PROBLEM:", 0) == 0; }));
  for (const auto& body : fn.bodies()) {
    auto parsed = JsonValue::parse(body);
    REQUIRE(parsed.ok());
    const auto& event = parsed.value();
    std::size_t n = 0;
    for (const auto& [k, v] : event.get("records")->members()) n += v.items().size();
    CHECK(n <= 2);
  }
  const auto before_heal = fn.bodies().size();
  broken = false;
  REQUIRE(eventually(
      [&] { return testing::committed_offset(kafka->bootstraps(), group_id, "iso", 0) == 4; }));
  // The first delivery after healing starts with the batch that failed.
  const auto bodies = fn.bodies();
  REQUIRE(bodies.size() > before_heal);
  CHECK(bodies[before_heal].find(R"("iso-0":[{"topic":"iso","partition":0,"offset":0)") !=
        std::string::npos);
  CHECK(eventually([&] { return get(uuid).last_processing_result == "OK"; }));
  std::lock_guard lock(ok_mutex);
  CHECK(count_partition(records_of(ok_bodies), 1) == 5);  // successes are never re-delivered
  CHECK(count_partition(records_of(ok_bodies), 0) == 4);
}

TEST_CASE_METHOD(EngineFixture,
                 "Engine: disable stops, enable resumes without loss, delete removes",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("life", 1).ok());
  TestHttpServer fn;
  REQUIRE(functions.declare("life=" + fn.url()).ok());
  testing::Producer producer(kafka->bootstraps());
  start_engine();
  const auto uuid = create("life", "life", R"("MaximumBatchingWindowInSeconds":0)");
  REQUIRE(eventually([&] { return in_state(uuid, MappingState::Enabled); }));
  producer.send("life", 0, std::nullopt, "one");
  REQUIRE(eventually([&] { return received(fn).size() == 1; }));
  // What Update answers; the engine may settle it before anyone reads again.
  CHECK(update(uuid, R"({"Enabled":false})").state == MappingState::Disabling);
  REQUIRE(eventually([&] { return in_state(uuid, MappingState::Disabled); }));
  CHECK(engine->running_for_test() == 0);
  producer.send("life", 0, std::nullopt, "two");
  CHECK(received(fn).size() == 1);  // no consumer, no invocation while Disabled
  CHECK(update(uuid, R"({"Enabled":true})").state == MappingState::Enabling);
  REQUIRE(eventually([&] { return in_state(uuid, MappingState::Enabled); }));
  REQUIRE(eventually([&] { return received(fn).size() == 2; }));
  CHECK(received(fn) == std::vector<std::string>{"0:0", "0:1"});
  REQUIRE(store
              ->update(uuid,
                       [](EventSourceMapping& m) -> api_models::Result<api_models::Ok> {
                         m.state = MappingState::Deleting;
                         return api_models::Ok{};
                       })
              .ok());
  engine->notify_changed(uuid);
  REQUIRE(eventually([&] { return !store->get(uuid).ok(); }));
  CHECK(engine->running_for_test() == 0);
}

TEST_CASE_METHOD(EngineFixture, "Engine: after a restart mappings resume from committed offsets",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("again", 1).ok());
  TestHttpServer fn;
  REQUIRE(functions.declare("again=" + fn.url()).ok());
  testing::Producer producer(kafka->bootstraps());
  producer.send("again", 0, std::nullopt, "a");
  start_engine();
  const auto uuid = create("again", "again", R"("MaximumBatchingWindowInSeconds":0)");
  REQUIRE(eventually(
      [&] { return testing::committed_offset(kafka->bootstraps(), uuid, "again", 0) == 1; }));
  engine->stop();
  engine.reset();
  CHECK(get(uuid).state == MappingState::Enabled);
  producer.send("again", 0, std::nullopt, "b");
  start_engine();
  REQUIRE(eventually([&] { return received(fn).size() == 2; }));
  CHECK(received(fn) == std::vector<std::string>{"0:0", "0:1"});
}

TEST_CASE_METHOD(EngineFixture,
                 "Engine: on the embedded cluster partitions are assigned directly and offsets "
                 "still commit to the group",
                 "[engine][kafka]") {
  embedded = true;
  REQUIRE(kafka->create_topic("direct", 3).ok());
  TestHttpServer fn;
  REQUIRE(functions.declare("direct=" + fn.url()).ok());
  testing::Producer producer(kafka->bootstraps());
  for (int p = 0; p < 3; ++p) producer.send("direct", p, std::nullopt, "a");
  start_engine();
  const auto uuid = create("direct", "direct", R"("MaximumBatchingWindowInSeconds":0)");
  REQUIRE(eventually([&] { return received(fn).size() == 3; }));
  CHECK(in_state(uuid, MappingState::Enabled));
  for (int p = 0; p < 3; ++p) {
    REQUIRE(eventually(
        [&] { return testing::committed_offset(kafka->bootstraps(), uuid, "direct", p) == 1; }));
  }
  CHECK(log_text.str().find("assigned 3 partition(s)") != std::string::npos);
  // An Update restarts the consumer: it holds the partitions again at once and resumes from the
  // committed offsets (nothing delivered twice).
  update(uuid, R"({"BatchSize":7})");
  producer.send("direct", 1, std::nullopt, "b");
  // Joining the mock cluster's group again would take session.timeout.ms - 1 s (5 s here).
  REQUIRE(eventually([&] { return received(fn).size() == 4; }, std::chrono::seconds(4)));
  CHECK(eventually([&] { return in_state(uuid, MappingState::Enabled); }));
  CHECK(count_partition(received(fn), 1) == 2);
  CHECK(of_partition(received(fn), 1) == std::vector<std::string>{"1:0", "1:1"});
}

TEST_CASE_METHOD(EngineFixture, "Engine: a function timeout over 14 minutes stops the mapping",
                 "[engine][kafka]") {
  REQUIRE(functions.declare("slow=exec:cat,timeout=900").ok());
  start_engine();
  const auto uuid = create("slow", "whatever");
  REQUIRE(eventually([&] { return in_state(uuid, MappingState::Disabled); }));
  CHECK(get(uuid).state_transition_reason == "FUNCTION_CONFIG_NOT_VALID");
  CHECK(get(uuid).last_processing_result.rfind("PROBLEM: ", 0) == 0);
}

TEST_CASE_METHOD(EngineFixture, "Engine: exec targets receive the event on stdin",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("ex", 1).ok());
  char dir[] = "/tmp/esm-exec-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string out = std::string(dir) + "/events";
  REQUIRE(functions.declare("ex=exec:cat >> " + out + "; echo >> " + out).ok());
  testing::Producer producer(kafka->bootstraps());
  producer.send("ex", 0, "key", "value");
  start_engine();
  const auto uuid = create("ex", "ex", R"("MaximumBatchingWindowInSeconds":0)");
  REQUIRE(eventually(
      [&] { return testing::read_file(out).find("\"value\":\"dmFsdWU=\"") != std::string::npos; }));
  CHECK(testing::read_file(out).find("\"key\":\"a2V5\"") != std::string::npos);
  REQUIRE(eventually(
      [&] { return testing::committed_offset(kafka->bootstraps(), uuid, "ex", 0) == 1; }));
  std::filesystem::remove_all(dir);
}

TEST_CASE_METHOD(EngineFixture,
                 "Engine: an unknown MSK cluster stops the mapping with ESM_CONFIG_NOT_VALID",
                 "[engine]") {
  TestHttpServer fn;
  REQUIRE(functions.declare("m=" + fn.url()).ok());
  start_engine();
  auto req = api_models::parse_create_request(
      R"({"FunctionName":"m","Topics":["tt"],"EventSourceArn":"arn:aws:kafka:us-east-1:123456789012:cluster/c/u"})",
      {"us-east-1", "123456789012"});
  REQUIRE(req.ok());
  const auto uuid = store->insert(req.value().mapping, {}).value().uuid;
  engine->notify_changed(uuid);
  REQUIRE(eventually([&] { return in_state(uuid, MappingState::Disabled); }));
  CHECK(get(uuid).state_transition_reason == "ESM_CONFIG_NOT_VALID");
}

TEST_CASE_METHOD(EngineFixture,
                 "Engine: LATEST is pinned at creation so nothing produced after Create is skipped",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("latest", 2).ok());
  TestHttpServer fn;
  REQUIRE(functions.declare("latest=" + fn.url()).ok());
  testing::Producer producer(kafka->bootstraps());
  const auto old_ms = static_cast<std::int64_t>(api_models::now_epoch_seconds() * 1000) - 5000;
  producer.send("latest", 0, std::nullopt, "old", {}, old_ms);
  producer.send("latest", 1, std::nullopt, "old", {}, old_ms);
  start_engine();
  const auto uuid = create("latest", "latest",
                           R"("StartingPosition":"LATEST","MaximumBatchingWindowInSeconds":0)");
  // Produced right after Create returned, long before the consumer has joined its group.
  REQUIRE(get(uuid).state == MappingState::Creating);
  producer.send("latest", 0, std::nullopt, "new");
  producer.send("latest", 1, std::nullopt, "new");
  REQUIRE(eventually([&] { return received(fn).size() == 2; }));
  CHECK(of_partition(received(fn), 0) == std::vector<std::string>{"0:1"});
  CHECK(of_partition(received(fn), 1) == std::vector<std::string>{"1:1"});
  producer.send("latest", 0, std::nullopt, "newer");
  REQUIRE(eventually([&] { return received(fn).size() == 3; }));
}

TEST_CASE_METHOD(EngineFixture,
                 "Engine: AT_TIMESTAMP starts at the first record at or after the time",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("at-ts", 1).ok());
  TestHttpServer fn;
  REQUIRE(functions.declare("atts=" + fn.url()).ok());
  testing::Producer producer(kafka->bootstraps());
  const auto now_ms = static_cast<std::int64_t>(api_models::now_epoch_seconds() * 1000);
  for (int i = 0; i < 5; ++i)
    producer.send("at-ts", 0, std::nullopt, "r" + std::to_string(i), {},
                  now_ms - 50000 + i * 10000);
  start_engine();
  const double from = static_cast<double>(now_ms - 25000) / 1000.0;  // between records 2 and 3
  const auto uuid = create("atts", "at-ts",
                           R"("StartingPosition":"AT_TIMESTAMP","StartingPositionTimestamp":)" +
                               std::to_string(from) + R"(,"MaximumBatchingWindowInSeconds":0)");
  REQUIRE(eventually([&] { return received(fn).size() == 2; }));
  CHECK(received(fn) == std::vector<std::string>{"0:3", "0:4"});
  CHECK(get(uuid).starting_position == "AT_TIMESTAMP");
}

TEST_CASE_METHOD(EngineFixture, "Engine: records within the batching window travel in one event",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("window", 1).ok());
  TestHttpServer fn;
  REQUIRE(functions.declare("window=" + fn.url()).ok());
  testing::Producer producer(kafka->bootstraps());
  start_engine();
  const auto uuid = create("window", "window", R"("MaximumBatchingWindowInSeconds":3)");
  REQUIRE(eventually([&] { return in_state(uuid, MappingState::Enabled); }));
  for (int i = 0; i < 3; ++i) producer.send("window", 0, std::nullopt, "w" + std::to_string(i));
  REQUIRE(eventually([&] { return received(fn).size() == 3; }));
  CHECK(fn.bodies().size() == 1);
}

TEST_CASE_METHOD(EngineFixture, "Engine: a batch is cut before the event would pass 6291456 bytes",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("big", 1).ok());
  TestHttpServer fn;
  REQUIRE(functions.declare("big=" + fn.url()).ok());
  testing::Producer producer(kafka->bootstraps());
  // 1.2 MB each (1.6 MB as base64): three fit in one event, four do not. (The mock cluster keeps
  // only about 5 MB per partition; the record-over-the-limit case runs on the real broker.)
  const std::string large(1200 * 1000, 'b');
  for (int i = 0; i < 4; ++i) producer.send("big", 0, std::nullopt, large);
  producer.send("big", 0, std::nullopt, "small");
  start_engine();
  const auto uuid = create("big", "big", R"("BatchSize":10,"MaximumBatchingWindowInSeconds":0)");
  REQUIRE(eventually([&] { return received(fn).size() == 5; }, std::chrono::seconds(60)));
  CHECK(received(fn) == std::vector<std::string>{"0:0", "0:1", "0:2", "0:3", "0:4"});
  for (const auto& body : fn.bodies()) CHECK(body.size() <= 6291456);
  CHECK(fn.bodies().size() >= 2);
  REQUIRE(eventually(
      [&] { return testing::committed_offset(kafka->bootstraps(), uuid, "big", 0) == 5; }));
}

TEST_CASE_METHOD(EngineFixture,
                 "Engine: records that fill the 6 MB payload go at once, not at the window's end",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("full", 2).ok());
  TestHttpServer fn;
  REQUIRE(functions.declare("full=" + fn.url()).ok());
  testing::Producer producer(kafka->bootstraps());
  // 2 x 3 x 1.2 MB: 9.6 MB as base64, over one payload, far under BatchSize.
  const std::string large(1200 * 1000, 'f');
  for (int i = 0; i < 3; ++i) {
    producer.send("full", 0, std::nullopt, large);
    producer.send("full", 1, std::nullopt, large);
  }
  start_engine();
  create("full", "full", R"("BatchSize":10000,"MaximumBatchingWindowInSeconds":120)");
  // The window is 120 s: a first event well before it can only be a batch closed by its size.
  REQUIRE(eventually([&] { return !fn.bodies().empty(); }, std::chrono::seconds(60)));
  for (const auto& body : fn.bodies()) CHECK(body.size() <= 6291456);
}

TEST_CASE_METHOD(EngineFixture, "Engine: unreachable brokers: Enabled with a connection PROBLEM",
                 "[engine][kafka]") {
  TestHttpServer fn;
  REQUIRE(functions.declare("nowhere=" + fn.url()).ok());
  start_engine();
  auto req = api_models::parse_create_request(
      R"({"FunctionName":"nowhere","Topics":["tt"],"SelfManagedEventSource":{"Endpoints":{"KAFKA_BOOTSTRAP_SERVERS":["127.0.0.1:1"]}},"SourceAccessConfigurations":[{"Type":"VPC_SUBNET","URI":"subnet:s"}]})",
      {"us-east-1", "123456789012"});
  REQUIRE(req.ok());
  const auto uuid = store->insert(req.value().mapping, {}).value().uuid;
  engine->notify_changed(uuid);
  REQUIRE(eventually([&] { return in_state(uuid, MappingState::Enabled); }));
  CHECK(get(uuid).last_processing_result ==
        "PROBLEM: Connection error. Please check your event source connection configuration.");
}

TEST_CASE_METHOD(EngineFixture,
                 "Engine: broker down and back, function endpoint down and back: no loss, then OK",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("flaky", 1).ok());
  int port = 0;
  {
    TestHttpServer probe;
    port = probe.port();
  }
  REQUIRE(functions.declare("flaky=http://127.0.0.1:" + std::to_string(port) + "/").ok());
  testing::Producer producer(kafka->bootstraps());
  start_engine();
  const auto uuid = create("flaky", "flaky", R"("MaximumBatchingWindowInSeconds":0)");
  REQUIRE(eventually([&] { return in_state(uuid, MappingState::Enabled); }));
  producer.send("flaky", 0, std::nullopt, "one");
  // Nothing listens at the function's port: transient, the mapping stays Enabled and says so.
  REQUIRE(eventually([&] {
    return get(uuid).last_processing_result ==
           "PROBLEM: Connection error. The function endpoint could not be reached.";
  }));
  CHECK(get(uuid).state == MappingState::Enabled);
  {
    TestHttpServer fn(nullptr, port);
    REQUIRE(eventually([&] { return received(fn).size() == 1; }));
    REQUIRE(eventually([&] { return get(uuid).last_processing_result == "OK"; }));
    kafka->set_broker_up(1, false);
    REQUIRE(eventually(
        [&] {
          return get(uuid).last_processing_result.rfind("PROBLEM: Connection error.", 0) == 0;
        },
        std::chrono::seconds(60)));
    kafka->set_broker_up(1, true);
    REQUIRE(eventually([&] { return get(uuid).last_processing_result == "OK"; },
                       std::chrono::seconds(60)));
    producer.send("flaky", 0, std::nullopt, "two");
    REQUIRE(eventually([&] { return received(fn).size() == 2; }, std::chrono::seconds(60)));
    CHECK(received(fn) == std::vector<std::string>{"0:0", "0:1"});
  }
}

TEST_CASE_METHOD(EngineFixture,
                 "Engine: the broker goes down mid-stream and comes back: a connection PROBLEM "
                 "while it lasts, then OK, every record delivered in order and committed",
                 "[engine][kafka][faults]") {
  constexpr int kRecords = 400;
  REQUIRE(kafka->create_topic("midstream", 2).ok());
  TestHttpServer fn([](const std::string&, const std::string&) {
    TestHttpServer::Reply r;
    r.delay = std::chrono::milliseconds(40);  // the backlog takes seconds to work through
    return r;
  });
  REQUIRE(functions.declare("mid=" + fn.url()).ok());
  {
    testing::BulkProducer bulk(kafka->bootstraps());
    for (int i = 0; i < kRecords; ++i) bulk.send("midstream", i % 2, "v" + std::to_string(i));
  }
  start_engine();
  const auto uuid =
      create("mid", "midstream", R"("BatchSize":4,"MaximumBatchingWindowInSeconds":0)");
  REQUIRE(eventually([&] { return received(fn).size() >= 20; }, std::chrono::seconds(60)));
  kafka->set_broker_up(1, false);
  REQUIRE(eventually(
      [&] {
        return get(uuid).last_processing_result ==
               "PROBLEM: Connection error. Please check your event source connection "
               "configuration.";
      },
      std::chrono::seconds(60)));
  CHECK(get(uuid).state == MappingState::Enabled);
  // Records fetched before the outage still reach the function; the problem stays reported.
  const auto before = received(fn).size();
  REQUIRE(before < static_cast<std::size_t>(kRecords));  // still mid-stream
  REQUIRE(eventually([&] { return received(fn).size() >= before + 8; }));
  CHECK(get(uuid).last_processing_result.rfind("PROBLEM: Connection error.", 0) == 0);
  kafka->set_broker_up(1, true);
  REQUIRE(eventually([&] { return get(uuid).last_processing_result == "OK"; },
                     std::chrono::seconds(60)));
  REQUIRE(eventually(
      [&] {
        auto got = received(fn);
        return std::set<std::string>(got.begin(), got.end()).size() ==
               static_cast<std::size_t>(kRecords);
      },
      std::chrono::seconds(60)));
  // First deliveries of each partition in offset order; commits caught up with no new batch.
  for (int partition : {0, 1}) {
    std::vector<std::string> firsts;
    std::set<std::string> seen;
    for (const auto& r : of_partition(received(fn), partition))
      if (seen.insert(r).second) firsts.push_back(r);
    REQUIRE(firsts.size() == static_cast<std::size_t>(kRecords / 2));
    for (std::size_t i = 0; i < firsts.size(); ++i)
      CHECK(firsts[i] == std::to_string(partition) + ":" + std::to_string(i));
    REQUIRE(eventually([&] {
      return testing::committed_offset(kafka->bootstraps(), uuid, "midstream", partition) ==
             kRecords / 2;
    }));
  }
  CHECK(get(uuid).state == MappingState::Enabled);
}

TEST_CASE_METHOD(EngineFixture,
                 "Engine: an update applies live without re-delivering committed records",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("upd", 1).ok());
  TestHttpServer fn;
  REQUIRE(functions.declare("upd=" + fn.url()).ok());
  REQUIRE(functions.declare("upd2=" + fn.url("/second")).ok());
  testing::Producer producer(kafka->bootstraps());
  for (int i = 0; i < 5; ++i) producer.send("upd", 0, std::nullopt, "a" + std::to_string(i));
  start_engine();
  const auto uuid = create("upd", "upd", R"("MaximumBatchingWindowInSeconds":0)");
  REQUIRE(eventually(
      [&] { return testing::committed_offset(kafka->bootstraps(), uuid, "upd", 0) == 5; }));
  CHECK(update(uuid, R"({"BatchSize":1,"FunctionName":"upd2"})").state == MappingState::Updating);
  REQUIRE(eventually([&] { return in_state(uuid, MappingState::Enabled); }));
  producer.send("upd", 0, std::nullopt, "b0");
  producer.send("upd", 0, std::nullopt, "b1");
  REQUIRE(eventually([&] { return received(fn).size() == 7; }));
  CHECK(received(fn) == std::vector<std::string>{"0:0", "0:1", "0:2", "0:3", "0:4", "0:5", "0:6"});
  const auto targets = fn.targets();
  CHECK(targets.back() == "/second");  // the new function
  CHECK(fn.bodies().back().find("\"offset\":6") != std::string::npos);
}

TEST_CASE_METHOD(EngineFixture,
                 "Engine: an invocation past the function timeout is a function error, retried",
                 "[engine][kafka]") {
  REQUIRE(kafka->create_topic("slowfn", 1).ok());
  char dir[] = "/tmp/esm-timeout-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string marker = std::string(dir) + "/calls";
  REQUIRE(functions.declare("slowfn=exec:echo call >> " + marker + "; sleep 30,timeout=1").ok());
  testing::Producer producer(kafka->bootstraps());
  producer.send("slowfn", 0, std::nullopt, "x");
  start_engine();
  const auto uuid = create("slowfn", "slowfn", R"("MaximumBatchingWindowInSeconds":0)");
  REQUIRE(eventually(
      [&] { return get(uuid).last_processing_result == "PROBLEM: Function call failed."; }));
  // Retried: called again after the first attempt timed out; nothing committed.
  REQUIRE(eventually(
      [&] { return testing::read_file(marker).size() >= 2 * std::string("call\n").size(); }));
  CHECK(testing::committed_offset(kafka->bootstraps(), uuid, "slowfn", 0) < 0);
  CHECK(log_text.str().find("Task timed out after 1 seconds") != std::string::npos);
  engine->stop();
  std::filesystem::remove_all(dir);
}

TEST_CASE_METHOD(EngineFixture, "Engine: a backlog larger than one poll's drain loses nothing",
                 "[engine][kafka]") {
  // Regression: the 10001st message of a drain was polled and then dropped, and the commit of its
  // successors skipped it for good (found by scripts/bench).
  REQUIRE(kafka->create_topic("backlog", 2).ok());
  std::mutex seen_mutex;
  std::set<std::string> seen;  // guarded by seen_mutex
  std::size_t deliveries = 0;  // guarded by seen_mutex
  TestHttpServer fn([&](const std::string&, const std::string& body) {
    std::lock_guard lock(seen_mutex);
    for (const auto& r : records_of({body})) {
      seen.insert(r);
      ++deliveries;
    }
    return TestHttpServer::Reply{};
  });
  REQUIRE(functions.declare("backlog=" + fn.url()).ok());
  drain_limit = 7;  // so that the drain limit is hit all the time
  {
    testing::BulkProducer producer(kafka->bootstraps());
    for (int i = 0; i < 6000; ++i) producer.send("backlog", i % 2, std::to_string(i));
  }
  start_engine();
  const auto uuid = create("backlog", "backlog", R"("BatchSize":1000)");
  REQUIRE(eventually(
      [&] {
        std::lock_guard lock(seen_mutex);
        return seen.size() == 6000;
      },
      std::chrono::seconds(60)));
  REQUIRE(eventually(
      [&] { return testing::committed_offset(kafka->bootstraps(), uuid, "backlog", 0) == 3000; }));
  std::lock_guard lock(seen_mutex);
  CHECK(deliveries == 6000);
}
