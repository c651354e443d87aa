#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api_models/error.hpp"

namespace esm::server {

// Everything the process is told at startup, from flags and ESM_<FLAG> environment variables
// (a flag wins over its variable). Filled once by parse_config, then handed down in pieces.
struct Config {
  std::string listen_host = "127.0.0.1";  // --listen HOST:PORT
  unsigned short listen_port = 4577;
  std::string data_dir;                     // --data-dir; default $XDG_DATA_HOME/esm-emulator
  bool ephemeral = false;                   // --ephemeral: keep everything in memory
  std::string region = "us-east-1";         // --region
  std::string account_id = "000000000000";  // --account-id
  bool require_sigv4 = false;               // --require-sigv4
  std::map<std::string, std::string, std::less<>> credentials;  // --credentials AK:SK
  std::optional<std::string> dashboard_token;       // --dashboard-token: the dashboard under SigV4
  std::vector<std::string> functions;               // --function NAME=TARGET[,timeout=SECONDS]
  std::vector<std::string> function_files;          // --functions FILE
  std::optional<std::string> lambda_endpoint;       // --lambda-endpoint URL
  std::map<std::string, std::string> msk_clusters;  // --msk-cluster ARN=HOST:PORT[,HOST:PORT]
  std::optional<std::string> embedded_kafka;        // --embedded-kafka[=HOST:PORT]
  std::vector<std::pair<std::string, int>>
      embedded_topics;                                  // --embedded-kafka-topic NAME:PARTITIONS
  std::map<std::string, std::string> kafka_properties;  // --kafka-property KEY=VALUE
  std::string log_level = "info";                       // --log-level debug|info|warn|error
  std::string log_format = "text";                      // --log-format text|json
  int http_threads = 2;                                 // --http-threads
  std::chrono::milliseconds reconcile_interval{2000};   // --reconcile-interval-ms
  std::chrono::milliseconds connect_grace{10000};       // --connect-grace-ms
  std::chrono::milliseconds retry_backoff_max{10000};   // --retry-backoff-max-ms
  // Where the emulator writes SQS, SNS and S3 on-failure destinations: "" for every service
  // (--aws-endpoint URL), "sqs", "sns", "s3" for one (--sqs-endpoint URL, ...).
  std::map<std::string, std::string> aws_endpoints;
  std::string ca_file;  // --ca-file: CAs https functions and endpoints trust ("": the system's)
  // What those requests are signed with: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
  // AWS_SESSION_TOKEN from the environment, as every AWS tool reads them.
  std::string aws_access_key_id, aws_secret_access_key, aws_session_token;
  std::size_t invocation_history = 100;        // --invocation-history N (per mapping)
  std::size_t invocation_event_bytes = 16384;  // --invocation-event-bytes N (0: none kept)
  bool help = false;
  bool version = false;
};

// argv and the environment (as "NAME=VALUE" strings) to a validated Config; the error names
// the flag or variable that is wrong.
api_models::Result<Config> parse_config(const std::vector<std::string>& args,
                                        const std::vector<std::string>& environment);

std::string usage();

}  // namespace esm::server
