#include "server/run.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "api_models/log.hpp"
#include "aws_client/services.hpp"
#include "engine/bounded_executor.hpp"
#include "engine/embedded_kafka.hpp"
#include "engine/engine.hpp"
#include "engine/function_registry.hpp"
#include "engine/librdkafka_features.hpp"
#include "handlers.hpp"
#include "http_server.hpp"
#include "shutdown_watchdog.hpp"
#include "storage/mapping_store.hpp"

namespace esm::server {

namespace {

// Requests that wait on a function or the cluster answered at once, at most (more queue).
constexpr std::size_t kWaitingThreads = 32;

api_models::LogLevel level_of(const std::string& name) {
  if (name == "debug") return api_models::LogLevel::Debug;
  if (name == "warn") return api_models::LogLevel::Warn;
  if (name == "error") return api_models::LogLevel::Error;
  return api_models::LogLevel::Info;
}

bool make_dirs(const std::string& path) {
  for (std::size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos == path.size() || path[pos] == '/') {
      const std::string prefix = path.substr(0, pos);
      if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return false;
    }
  }
  return true;
}

// Tells this emulator's consumers from another's that holds the same mapping UUIDs (a copied
// data directory): a hash of the data directory's real path; per process when in memory.
std::string instance_tag(const Config& config) {
  std::string key;
  if (config.ephemeral) {
    key = std::to_string(::getpid()) + "@" + std::to_string(api_models::now_epoch_seconds());
  } else {
    char resolved[PATH_MAX];
    key = ::realpath(config.data_dir.c_str(), resolved) ? resolved : config.data_dir;
  }
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : key) h = (h ^ c) * 16777619u;
  char out[9];
  std::snprintf(out, sizeof out, "%08x", h);
  return out;
}

// The endpoints and credentials SQS, SNS and S3 destinations are written with (parse_config
// checked them).
std::shared_ptr<const aws::AwsServices> aws_services(const Config& config) {
  aws::ServiceEndpoints endpoints;
  for (const auto& [service, url] : config.aws_endpoints) {
    auto endpoint = std::get<aws::HttpEndpoint>(aws::parse_http_endpoint(url));
    if (endpoint.tls) endpoint.ca_file = config.ca_file;
    if (service.empty()) {
      endpoints.all = std::move(endpoint);
    } else {
      endpoints.per_service[service] = std::move(endpoint);
    }
  }
  return std::make_shared<aws::AwsServices>(
      std::move(endpoints),
      aws::Credentials{config.aws_access_key_id, config.aws_secret_access_key,
                       config.aws_session_token},
      config.region);
}

// librdkafka's mock cluster joins its threads when destroyed; on a starved machine that has
// been seen to stall past a supervisor's patience (30 s to SIGKILL). It holds only memory, so past
// the allowance the process logs that and exits 0 without waiting (the store is durable already).
void stop_embedded_kafka(std::unique_ptr<engine::EmbeddedKafka> kafka,
                         std::unique_ptr<TcpProxy> proxy, api_models::Logger& log) {
  constexpr std::chrono::seconds allowance{10};
  ShutdownWatchdog watchdog([&log](const std::string& stage, std::chrono::milliseconds waited) {
    log.warn("", stage + " did not stop within " + std::to_string(waited.count() / 1000) +
                     " s; exiting without waiting for it (it keeps no state past the process)");
    std::_Exit(0);
  });
  watchdog.stage("the embedded Kafka cluster", allowance);
  proxy.reset();
  kafka.reset();
  watchdog.disarm();
}

// Why the emulator cannot start, said on stderr; run() then exits with status 2.
int refuse_start(const std::string& message) {
  std::cerr << "esm-emulator: " << message << '\n';
  return 2;
}

// --function and --functions (a file of them). The first bad one: why.
std::optional<std::string> declare_functions(const Config& config,
                                             engine::FunctionRegistry& functions) {
  functions.set_default_ca_file(config.ca_file);
  for (const auto& f : config.functions) {
    if (auto r = functions.declare(f); !r.ok()) return "--function: " + r.error().message;
  }
  for (const auto& file : config.function_files) {
    if (auto r = functions.declare_file(file); !r.ok()) return r.error().message;
  }
  if (config.lambda_endpoint) functions.set_lambda_endpoint(*config.lambda_endpoint);
  return std::nullopt;
}

// Where the store lives: in memory (--ephemeral) or in the data directory, made if missing.
std::variant<storage::StoreSettings, std::string> store_settings_of(const Config& config) {
  storage::StoreSettings settings;
  if (config.ephemeral) {
    settings.path = ":memory:";
    return settings;
  }
  if (!make_dirs(config.data_dir)) {
    return "--data-dir: cannot create " + config.data_dir + ": " + std::strerror(errno);
  }
  settings.path = config.data_dir + "/esm-emulator.db";
  return settings;
}

// --embedded-kafka: librdkafka's mock cluster with the --embedded-topic topics, reached through
// a proxy at the address the flag names.
struct EmbeddedCluster {
  std::unique_ptr<engine::EmbeddedKafka> kafka;
  std::unique_ptr<TcpProxy> proxy;
};

std::variant<EmbeddedCluster, std::string> start_embedded_cluster(const Config& config,
                                                                  boost::asio::io_context& ioc,
                                                                  api_models::Logger& log) {
  auto started = engine::EmbeddedKafka::start(1);
  if (!started.ok()) return started.error().message;
  EmbeddedCluster cluster;
  cluster.kafka = std::move(started).value();
  for (const auto& [name, partitions] : config.embedded_topics) {
    if (auto r = cluster.kafka->create_topic(name, partitions); !r.ok()) return r.error().message;
  }
  const auto colon = config.embedded_kafka->rfind(':');
  auto proxy = TcpProxy::listen(
      ioc, config.embedded_kafka->substr(0, colon),
      static_cast<unsigned short>(std::stoi(config.embedded_kafka->substr(colon + 1))),
      cluster.kafka->bootstraps());
  if (!proxy.ok()) return proxy.error().message;
  cluster.proxy = std::move(proxy).value();
  log.info("", "embedded Kafka serving at " + *config.embedded_kafka + " (broker " +
                   cluster.kafka->bootstraps() + ")");
  log.info("",
           "embedded Kafka is librdkafka's in-memory mock cluster: its records are gone when "
           "the emulator stops, it keeps about 5 MB per partition (older records are dropped) "
           "and drops records over about 2 MB; for anything bigger run a real broker "
           "(scripts/kafka.sh start DIR) and point the mapping at it");
  return cluster;
}

engine::EngineSettings engine_settings_of(const Config& config) {
  engine::EngineSettings settings;
  settings.msk_clusters = config.msk_clusters;
  settings.kafka_overrides = config.kafka_properties;
  if (config.embedded_kafka) settings.embedded_bootstrap = *config.embedded_kafka;
  settings.group_instance_tag = instance_tag(config);
  settings.reconcile_interval = config.reconcile_interval;
  settings.connect_grace = config.connect_grace;
  settings.retry_backoff_max = config.retry_backoff_max;
  settings.aws_services = aws_services(config);
  settings.ca_file = config.ca_file;
  settings.history.invocations = config.invocation_history;
  settings.history.event_bytes = config.invocation_event_bytes;
  return settings;
}

}  // namespace

int run(const Config& config) {
  std::signal(SIGPIPE, SIG_IGN);
  api_models::Logger log(std::cerr, level_of(config.log_level), config.log_format == "json");

  engine::FunctionRegistry functions;
  if (auto why = declare_functions(config, functions)) return refuse_start(*why);
  auto settings = store_settings_of(config);
  if (auto* why = std::get_if<std::string>(&settings)) return refuse_start(*why);
  const auto& store_settings = std::get<storage::StoreSettings>(settings);
  auto store = storage::MappingStore::open(store_settings);
  if (!store.ok()) return refuse_start(store.error().message);

  log.info("", engine::librdkafka_summary());
  IoPool pool(config.http_threads);
  boost::asio::io_context& ioc = pool.primary();
  EmbeddedCluster embedded;
  if (config.embedded_kafka) {
    auto started = start_embedded_cluster(config, ioc, log);
    if (auto* why = std::get_if<std::string>(&started)) return refuse_start(*why);
    embedded = std::move(std::get<EmbeddedCluster>(started));
  }

  // HTTP(S), exec:, runtime: and Invoke API targets; owns the connections and environments.
  engine::FunctionInvoker invoker({config.region, config.account_id, &log});
  engine::Engine engine(*store.value(), functions, invoker, engine_settings_of(config), log);

  api_models::RequestContext request_defaults{config.region, config.account_id,
                                              engine::queue_mode_refusal()};
  Handlers handlers(*store.value(), engine, functions, request_defaults,
                    config.require_sigv4 ? &config.credentials : nullptr, &log,
                    config.dashboard_token ? &*config.dashboard_token : nullptr);
  const Router router = make_routes(handlers);
  // Where the requests that wait (Invoke, offsets reset, replay) are answered; joined before the
  // engine stops, since they call it.
  auto waiting = std::make_unique<engine::BoundedExecutor>(
      kWaitingThreads, std::chrono::seconds(10), "esm-api-wait");
  auto server =
      HttpServer::listen(pool, config.listen_host, config.listen_port, router, log, *waiting);
  if (!server.ok()) return refuse_start(server.error().message);
  // Before "listening on": a client that sees the line may send SIGTERM at once (a signal before
  // this would end the process uncleanly, exit status -15).
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log.info("", std::string("received ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") +
                     ", shutting down");
    server.value()->stop();
    if (embedded.proxy) embedded.proxy->stop();
    pool.stop();
  });
  engine.start();
  const std::string host = config.listen_host.find(':') != std::string::npos
                               ? "[" + config.listen_host + "]"
                               : config.listen_host;
  std::cout << "esm-emulator listening on http://" << host << ":" << server.value()->port()
            << std::endl;
  log.info("", "listening on http://" + host + ":" + std::to_string(server.value()->port()) + ", " +
                   std::to_string(functions.size()) + " declared function(s), data in " +
                   (config.ephemeral ? std::string("memory") : store_settings.path));

  pool.run();
  waiting.reset();
  engine.stop();
  if (embedded.kafka)
    stop_embedded_kafka(std::move(embedded.kafka), std::move(embedded.proxy), log);
  log.info("", "stopped");
  return 0;
}

}  // namespace esm::server
