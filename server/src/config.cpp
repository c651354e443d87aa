#include "server/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <variant>

#include "aws_client/http_client.hpp"

namespace esm::server {

using api_models::ApiError;
using api_models::ErrorCode;
using api_models::Ok;
using api_models::Result;

namespace {

ApiError bad(const std::string& message) {
  return ApiError{ErrorCode::InvalidParameterValue, message};
}

std::optional<long> to_number(const std::string& s, long lo, long hi) {
  if (s.empty() || s.size() > 12 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const long v = std::stol(s);
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

Result<std::pair<std::string, unsigned short>> host_port(const std::string& flag,
                                                         const std::string& v) {
  const auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return bad(flag + ": expected HOST:PORT, got '" + v + "'");
  std::string host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const auto port = to_number(v.substr(colon + 1), 0, 65535);
  if (!port) return bad(flag + ": port must be 0..65535, got '" + v.substr(colon + 1) + "'");
  return std::make_pair(host, static_cast<unsigned short>(*port));
}

struct Flag {
  std::string name;
  bool takes_value;
  bool optional_value;  // only as --flag=VALUE
  bool repeatable;
  std::function<Result<Ok>(Config&, const std::string&)> apply;
};

std::vector<Flag> flags() {
  auto ms = [](std::chrono::milliseconds Config::*field, const char* name) {
    return [field, name](Config& c, const std::string& v) -> Result<Ok> {
      auto n = to_number(v, 0, 3600000);
      if (!n) return bad(std::string(name) + ": expected milliseconds, got '" + v + "'");
      c.*field = std::chrono::milliseconds(*n);
      return Ok{};
    };
  };
  auto aws_endpoint = [](std::string service, std::string flag) {
    return [service, flag](Config& c, const std::string& v) -> Result<Ok> {
      auto endpoint = aws::parse_http_endpoint(v);
      if (auto* why = std::get_if<std::string>(&endpoint)) return bad(flag + ": " + *why);
      c.aws_endpoints[service] = v;
      return Ok{};
    };
  };
  return {
      {"listen", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         auto hp = host_port("--listen", v);
         if (!hp.ok()) return hp.error();
         c.listen_host = hp.value().first;
         c.listen_port = hp.value().second;
         return Ok{};
       }},
      {"data-dir", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         if (v.empty()) return bad("--data-dir: must not be empty");
         c.data_dir = v;
         return Ok{};
       }},
      {"ephemeral", false, false, false,
       [](Config& c, const std::string&) -> Result<Ok> {
         c.ephemeral = true;
         return Ok{};
       }},
      {"region", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         if (v.empty() ||
             v.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
           return bad("--region: '" + v + "' is not a region name");
         }
         c.region = v;
         return Ok{};
       }},
      {"account-id", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         if (v.size() != 12 || v.find_first_not_of("0123456789") != std::string::npos) {
           return bad("--account-id: expected 12 digits, got '" + v + "'");
         }
         c.account_id = v;
         return Ok{};
       }},
      {"require-sigv4", false, false, false,
       [](Config& c, const std::string&) -> Result<Ok> {
         c.require_sigv4 = true;
         return Ok{};
       }},
      {"credentials", true, false, true,
       [](Config& c, const std::string& v) -> Result<Ok> {
         // The value holds a secret key: errors never show it.
         const auto colon = v.find(':');
         if (colon == std::string::npos || colon == 0 || colon + 1 == v.size() ||
             v.find_first_of(" \t\r\n/") < colon) {
           return bad("--credentials: expected ACCESS_KEY:SECRET_KEY (value not shown)");
         }
         c.credentials[v.substr(0, colon)] = v.substr(colon + 1);
         return Ok{};
       }},
      {"ca-file", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         if (!std::ifstream(v)) return bad("--ca-file: cannot read " + v);
         c.ca_file = v;
         return Ok{};
       }},
      {"dashboard-token", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         if (v.size() < 16 || v.size() > 256 ||
             v.find_first_not_of(
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~") !=
                 std::string::npos) {
           return bad(
               "--dashboard-token: expected 16 to 256 letters, digits or -_.~ (value not shown)");
         }
         c.dashboard_token = v;
         return Ok{};
       }},
      {"function", true, false, true,
       [](Config& c, const std::string& v) -> Result<Ok> {
         c.functions.push_back(v);
         return Ok{};
       }},
      {"functions", true, false, true,
       [](Config& c, const std::string& v) -> Result<Ok> {
         c.function_files.push_back(v);
         return Ok{};
       }},
      {"lambda-endpoint", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         if (v.rfind("http://", 0) != 0)
           return bad("--lambda-endpoint: expected http://HOST:PORT, got '" + v + "'");
         c.lambda_endpoint = v;
         return Ok{};
       }},
      {"msk-cluster", true, false, true,
       [](Config& c, const std::string& v) -> Result<Ok> {
         const auto eq = v.rfind('=');
         if (eq == std::string::npos || v.rfind("arn:", 0) != 0 ||
             v.find(":kafka:") == std::string::npos) {
           return bad("--msk-cluster: expected arn:aws:kafka:...=HOST:PORT[,HOST:PORT], got '" + v +
                      "'");
         }
         c.msk_clusters[v.substr(0, eq)] = v.substr(eq + 1);
         return Ok{};
       }},
      {"embedded-kafka", false, true, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         const std::string addr = v.empty() ? "127.0.0.1:9092" : v;
         auto hp = host_port("--embedded-kafka", addr);
         if (!hp.ok()) return hp.error();
         c.embedded_kafka = addr;
         return Ok{};
       }},
      {"embedded-kafka-topic", true, false, true,
       [](Config& c, const std::string& v) -> Result<Ok> {
         const auto colon = v.rfind(':');
         auto n =
             colon == std::string::npos ? std::nullopt : to_number(v.substr(colon + 1), 1, 10000);
         if (!n || colon == 0)
           return bad("--embedded-kafka-topic: expected NAME:PARTITIONS, got '" + v + "'");
         c.embedded_topics.emplace_back(v.substr(0, colon), static_cast<int>(*n));
         return Ok{};
       }},
      {"kafka-property", true, false, true,
       [](Config& c, const std::string& v) -> Result<Ok> {
         const auto eq = v.find('=');
         if (eq == std::string::npos || eq == 0)
           return bad("--kafka-property: expected KEY=VALUE, got '" + v + "'");
         c.kafka_properties[v.substr(0, eq)] = v.substr(eq + 1);
         return Ok{};
       }},
      {"log-level", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         if (v != "debug" && v != "info" && v != "warn" && v != "error") {
           return bad("--log-level: expected debug, info, warn or error, got '" + v + "'");
         }
         c.log_level = v;
         return Ok{};
       }},
      {"log-format", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         if (v != "text" && v != "json")
           return bad("--log-format: expected text or json, got '" + v + "'");
         c.log_format = v;
         return Ok{};
       }},
      {"http-threads", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         auto n = to_number(v, 1, 64);
         if (!n) return bad("--http-threads: expected 1..64, got '" + v + "'");
         c.http_threads = static_cast<int>(*n);
         return Ok{};
       }},
      {"reconcile-interval-ms", true, false, false,
       ms(&Config::reconcile_interval, "--reconcile-interval-ms")},
      {"connect-grace-ms", true, false, false, ms(&Config::connect_grace, "--connect-grace-ms")},
      {"retry-backoff-max-ms", true, false, false,
       ms(&Config::retry_backoff_max, "--retry-backoff-max-ms")},
      {"invocation-history", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         auto n = to_number(v, 0, 10000);
         if (!n) return bad("--invocation-history: expected 0..10000, got '" + v + "'");
         c.invocation_history = static_cast<std::size_t>(*n);
         return Ok{};
       }},
      {"invocation-event-bytes", true, false, false,
       [](Config& c, const std::string& v) -> Result<Ok> {
         auto n = to_number(v, 0, 6291456);
         if (!n) return bad("--invocation-event-bytes: expected 0..6291456, got '" + v + "'");
         c.invocation_event_bytes = static_cast<std::size_t>(*n);
         return Ok{};
       }},
      {"aws-endpoint", true, false, false, aws_endpoint("", "--aws-endpoint")},
      {"sqs-endpoint", true, false, false, aws_endpoint("sqs", "--sqs-endpoint")},
      {"sns-endpoint", true, false, false, aws_endpoint("sns", "--sns-endpoint")},
      {"s3-endpoint", true, false, false, aws_endpoint("s3", "--s3-endpoint")},
      {"glue-endpoint", true, false, false, aws_endpoint("glue", "--glue-endpoint")},
      {"help", false, false, false,
       [](Config& c, const std::string&) -> Result<Ok> {
         c.help = true;
         return Ok{};
       }},
      {"version", false, false, false,
       [](Config& c, const std::string&) -> Result<Ok> {
         c.version = true;
         return Ok{};
       }},
  };
}

std::string env_name(const std::string& flag) {
  std::string out = "ESM_";
  for (char ch : flag)
    out += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

std::string usage() {
  return R"(usage: esm-emulator [flags]
  --listen HOST:PORT            HTTP endpoint for the Lambda ESM and Secrets Manager APIs (127.0.0.1:4577)
  --data-dir DIR                where the SQLite database lives ($XDG_DATA_HOME/esm-emulator)
  --ephemeral                   keep everything in memory
  --region REGION               region for ARNs (us-east-1); a signed request's scope wins
  --account-id ID               account for ARNs (000000000000)
  --require-sigv4               verify AWS SigV4 signatures (header or presigned query) on every API call
  --credentials AK:SK           access key and secret key accepted by --require-sigv4 (repeatable)
  --ca-file FILE                CAs (PEM) that https:// functions and AWS endpoints are verified against (the system's)
  --dashboard-token TOKEN       with --require-sigv4: open the dashboard at /#token=TOKEN (else it is off)
  --function NAME=TARGET[,timeout=S][,ca=FILE][,memory=MB][,concurrency=N][,handler=H]
                                declare a function: http(s)://..., exec:COMMAND, runtime:COMMAND (repeatable)
  --functions FILE              declarations as JSON: {"NAME": "TARGET"} or {"NAME": {"target": ..., "timeout": S,
                                "memory": MB, "handler": H, "env": {"KEY": "VALUE"}, ...}}
  --lambda-endpoint URL         invoke undeclared functions through the Lambda Invoke API at URL
  --msk-cluster ARN=HOST:PORT[,HOST:PORT]    brokers of an MSK cluster ARN (repeatable)
  --embedded-kafka[=HOST:PORT]  serve an in-process Kafka at HOST:PORT (127.0.0.1:9092)
  --embedded-kafka-topic NAME:PARTITIONS     pre-create a topic there (repeatable)
  --kafka-property KEY=VALUE    extra librdkafka consumer property (repeatable)
  --log-level LEVEL             debug, info, warn, error (info)
  --log-format FORMAT           text or json (text)
  --http-threads N              HTTP worker threads (2)
  --reconcile-interval-ms MS    how often every mapping is re-checked (2000)
  --connect-grace-ms MS         unreachable brokers: report Enabled with PROBLEM after this (10000)
  --retry-backoff-max-ms MS     cap of the retry backoff after a function error (10000)
  --invocation-history N        invocations the status API keeps per mapping (100)
  --invocation-event-bytes N    bytes of each event it keeps (16384; 0: none)
  --aws-endpoint URL            where SQS, SNS and S3 on-failure destinations are written and AWS Glue
                                schema registries read (http://...; e.g. moto, LocalStack); signed with
                                AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
  --sqs-endpoint URL, --sns-endpoint URL, --s3-endpoint URL, --glue-endpoint URL
                                one service's endpoint (wins over --aws-endpoint)
Every flag also reads ESM_<FLAG> (ESM_LISTEN, ESM_EMBEDDED_KAFKA, ...); the flag wins. Repeatable
flags take several values in their variable, one per line.
)";
}

namespace {

using Environment = std::map<std::string, std::string>;
using GivenFlags = std::map<std::string, std::vector<std::string>>;  // flag -> values

Environment environment_map(const std::vector<std::string>& environment) {
  Environment env;
  for (const auto& e : environment) {
    const auto eq = e.find('=');
    if (eq != std::string::npos) env[e.substr(0, eq)] = e.substr(eq + 1);
  }
  return env;
}

// The flags given on the command line, with their values.
Result<GivenFlags> read_command_line(const std::vector<std::string>& args,
                                     const std::vector<Flag>& table) {
  GivenFlags given;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) return bad("unexpected argument '" + arg + "' (see --help)");
    const auto eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    auto flag =
        std::find_if(table.begin(), table.end(), [&](const Flag& f) { return f.name == name; });
    if (flag == table.end()) return bad("unknown flag --" + name + " (see --help)");
    std::string value;
    if (eq != std::string::npos) {
      if (!flag->takes_value && !flag->optional_value) return bad("--" + name + " takes no value");
      value = arg.substr(eq + 1);
    } else if (flag->takes_value) {
      if (i + 1 >= args.size()) return bad("--" + name + " needs a value");
      value = args[++i];
    }
    if (!flag->repeatable && given.count(name)) return bad("--" + name + " given twice");
    given[name].push_back(value);
  }
  return given;
}

// A flag's values from its ESM_<FLAG> variable `source`: a switch reads true/false (1/0), a
// repeatable flag one value a line.
Result<std::vector<std::string>> environment_values(const Flag& flag, const std::string& text,
                                                    const std::string& source) {
  std::vector<std::string> values;
  if (!flag.takes_value && !flag.optional_value) {
    if (text == "1" || text == "true") {
      values.emplace_back();
    } else if (text != "0" && text != "false" && !text.empty()) {
      return bad(source + ": expected true or false, got '" + text + "'");
    }
  } else if (flag.repeatable) {
    std::size_t start = 0;
    for (std::size_t j = 0; j <= text.size(); ++j) {
      if (j == text.size() || text[j] == '\n') {
        if (j > start) values.push_back(text.substr(start, j - start));
        start = j + 1;
      }
    }
  } else if (flag.optional_value && (text == "1" || text == "true")) {
    values.emplace_back();
  } else {
    values.push_back(text);
  }
  return values;
}

// Each flag applied, from the command line or else from its variable, in the table's order.
Result<Ok> apply_flags(Config& config, const std::vector<Flag>& table, const GivenFlags& given,
                       const Environment& env) {
  for (const auto& flag : table) {
    std::vector<std::string> values;
    std::string source;
    if (auto it = given.find(flag.name); it != given.end()) {
      values = it->second;
      source = "--" + flag.name;
    } else if (auto e = env.find(env_name(flag.name));
               e != env.end() && flag.name != "help" && flag.name != "version") {
      source = env_name(flag.name);
      auto read = environment_values(flag, e->second, source);
      if (!read.ok()) return read.error();
      values = std::move(read.value());
    }
    for (const auto& v : values) {
      auto r = flag.apply(config, v);
      if (!r.ok()) {
        std::string message = r.error().message;
        if (source.rfind("ESM_", 0) == 0) message = source + " (environment): " + message;
        return bad(message);
      }
    }
  }
  return Ok{};
}

// Flags that only make sense together.
Result<Ok> check_combinations(const Config& config) {
  if (config.require_sigv4 && config.credentials.empty()) {
    return bad("--require-sigv4 needs at least one --credentials ACCESS_KEY:SECRET_KEY");
  }
  if (!config.require_sigv4 && config.dashboard_token) {
    return bad(
        "--dashboard-token applies only with --require-sigv4 (the dashboard is open otherwise)");
  }
  if (!config.require_sigv4 && !config.credentials.empty()) {
    return bad(
        "--credentials applies only with --require-sigv4 (signatures are not checked "
        "otherwise)");
  }
  return Ok{};
}

// What AWS requests are signed with, from the environment; needed once an endpoint is given.
Result<Ok> read_aws_credentials(Config& config, const Environment& env) {
  auto env_value = [&](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  config.aws_access_key_id = env_value("AWS_ACCESS_KEY_ID");
  config.aws_secret_access_key = env_value("AWS_SECRET_ACCESS_KEY");
  config.aws_session_token = env_value("AWS_SESSION_TOKEN");
  if (!config.aws_endpoints.empty() &&
      (config.aws_access_key_id.empty() || config.aws_secret_access_key.empty())) {
    return bad(
        "--aws-endpoint and --sqs/sns/s3/glue-endpoint need AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY in the environment (what their requests are signed with)");
  }
  return Ok{};
}

std::string default_data_dir(const Environment& env) {
  if (auto xdg = env.find("XDG_DATA_HOME"); xdg != env.end() && !xdg->second.empty()) {
    return xdg->second + "/esm-emulator";
  }
  if (auto home = env.find("HOME"); home != env.end() && !home->second.empty()) {
    return home->second + "/.local/share/esm-emulator";
  }
  return "./esm-emulator-data";
}

}  // namespace

Result<Config> parse_config(const std::vector<std::string>& args,
                            const std::vector<std::string>& environment) {
  Config config;
  const auto table = flags();
  const Environment env = environment_map(environment);
  auto given = read_command_line(args, table);
  if (!given.ok()) return given.error();
  if (auto r = apply_flags(config, table, given.value(), env); !r.ok()) return r.error();
  if (auto r = check_combinations(config); !r.ok()) return r.error();
  if (auto r = read_aws_credentials(config, env); !r.ok()) return r.error();
  if (config.data_dir.empty()) config.data_dir = default_data_dir(env);
  return config;
}

}  // namespace esm::server
