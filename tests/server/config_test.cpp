#include "server/config.hpp"

#include <catch2/catch.hpp>

using esm::server::parse_config;

TEST_CASE("Config: defaults as DESIGN lists them", "[server]") {
  auto c = parse_config({}, {"HOME=/home/u"});
  REQUIRE(c.ok());
  CHECK(c.value().listen_host == "127.0.0.1");
  CHECK(c.value().listen_port == 4577);
  CHECK(c.value().region == "us-east-1");
  CHECK(c.value().account_id == "000000000000");
  CHECK(c.value().data_dir == "/home/u/.local/share/esm-emulator");
  CHECK_FALSE(c.value().embedded_kafka);
  CHECK(parse_config({}, {"XDG_DATA_HOME=/x"}).value().data_dir == "/x/esm-emulator");
}

TEST_CASE("Config: flags, repeatable flags and the optional --embedded-kafka value", "[server]") {
  auto c = parse_config(
      {"--listen", "0.0.0.0:8000", "--function", "a=http://h:1/", "--function=b=exec:true",
       "--embedded-kafka", "--embedded-kafka-topic", "t:3", "--msk-cluster",
       "arn:aws:kafka:us-east-1:123456789012:cluster/c/u=127.0.0.1:9092", "--ephemeral"},
      {});
  REQUIRE(c.ok());
  CHECK(c.value().listen_host == "0.0.0.0");
  CHECK(c.value().listen_port == 8000);
  CHECK(c.value().functions == std::vector<std::string>{"a=http://h:1/", "b=exec:true"});
  CHECK(c.value().embedded_kafka == "127.0.0.1:9092");
  CHECK(c.value().embedded_topics == std::vector<std::pair<std::string, int>>{{"t", 3}});
  CHECK(c.value().msk_clusters.at("arn:aws:kafka:us-east-1:123456789012:cluster/c/u") ==
        "127.0.0.1:9092");
  CHECK(c.value().ephemeral);
  CHECK(parse_config({"--embedded-kafka=127.0.0.1:19092"}, {}).value().embedded_kafka ==
        "127.0.0.1:19092");
}

TEST_CASE("Config: environment variables, and flags win over them", "[server]") {
  auto c = parse_config({"--region", "eu-west-1"},
                        {"ESM_REGION=us-west-2", "ESM_ACCOUNT_ID=123456789012",
                         "ESM_FUNCTION=a=http://h:1/\nb=exec:true", "ESM_EPHEMERAL=true"});
  REQUIRE(c.ok());
  CHECK(c.value().region == "eu-west-1");
  CHECK(c.value().account_id == "123456789012");
  CHECK(c.value().functions.size() == 2);
  CHECK(c.value().ephemeral);
}

TEST_CASE("Config: a bad flag or value is named", "[server]") {
  CHECK(parse_config({"--nope"}, {}).error().message == "unknown flag --nope (see --help)");
  CHECK(parse_config({"--listen", "x"}, {}).error().message.find("--listen") != std::string::npos);
  CHECK(parse_config({"--listen", "127.0.0.1:99999"}, {}).error().message.find("port") !=
        std::string::npos);
  CHECK(parse_config({"--account-id", "12"}, {}).error().message.find("--account-id") !=
        std::string::npos);
  CHECK(parse_config({"--region"}, {}).error().message == "--region needs a value");
  CHECK(parse_config({"--ephemeral=yes"}, {}).error().message == "--ephemeral takes no value");
  CHECK(parse_config({}, {"ESM_LOG_LEVEL=loud"}).error().message.find("ESM_LOG_LEVEL") !=
        std::string::npos);
  CHECK(parse_config({"--region", "a", "--region", "b"}, {}).error().message ==
        "--region given twice");
}

TEST_CASE("Config: AWS endpoints for the on-failure destinations, signed with AWS_* credentials",
          "[server]") {
  const std::vector<std::string> creds = {"AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK",
                                          "AWS_SESSION_TOKEN=T"};
  auto c = parse_config(
      {"--aws-endpoint", "http://127.0.0.1:5000", "--s3-endpoint", "http://127.0.0.1:9000/"},
      creds);
  REQUIRE(c.ok());
  CHECK(c.value().aws_endpoints ==
        std::map<std::string, std::string>{{"", "http://127.0.0.1:5000"},
                                           {"s3", "http://127.0.0.1:9000/"}});
  CHECK(c.value().aws_access_key_id == "AK");
  CHECK(c.value().aws_secret_access_key == "SK");
  CHECK(c.value().aws_session_token == "T");
  CHECK(parse_config(
            {}, {"ESM_SQS_ENDPOINT=http://h:1", "AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK"})
            .value()
            .aws_endpoints.at("sqs") == "http://h:1");

  auto error = [](std::vector<std::string> args, std::vector<std::string> env) {
    auto r = parse_config(args, env);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
  };
  CHECK(error({"--sns-endpoint", "localhost:4566"}, creds) ==
        "--sns-endpoint: not an http:// or https:// URL: localhost:4566");
  CHECK(error({"--ca-file", "/no/such/ca.pem"}, {}) == "--ca-file: cannot read /no/such/ca.pem");
  CHECK(error({"--aws-endpoint", "http://127.0.0.1:5000"}, {"AWS_ACCESS_KEY_ID=AK"})
            .find("need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment") !=
        std::string::npos);
}

TEST_CASE("Config: what the status API keeps of each invocation", "[server]") {
  auto c = parse_config({}, {});
  REQUIRE(c.ok());
  CHECK(c.value().invocation_history == 100);
  CHECK(c.value().invocation_event_bytes == 16384);
  c = parse_config({"--invocation-history", "0", "--invocation-event-bytes", "0"}, {});
  REQUIRE(c.ok());
  CHECK(c.value().invocation_history == 0);
  CHECK(c.value().invocation_event_bytes == 0);
  CHECK(parse_config({"--invocation-history", "10001"}, {}).error().message ==
        "--invocation-history: expected 0..10000, got '10001'");
  CHECK(parse_config({"--invocation-event-bytes", "-1"}, {}).error().message ==
        "--invocation-event-bytes: expected 0..6291456, got '-1'");
}

TEST_CASE("Config: --dashboard-token goes with --require-sigv4 and is never shown", "[server]") {
  const std::vector<std::string> sigv4 = {"--require-sigv4", "--credentials", "AK:SK"};
  auto with = sigv4;
  with.insert(with.end(), {"--dashboard-token", "tok-0123456789abcdef"});
  auto c = parse_config(with, {});
  REQUIRE(c.ok());
  CHECK(c.value().dashboard_token == "tok-0123456789abcdef");
  CHECK_FALSE(parse_config(sigv4, {}).value().dashboard_token);
  CHECK(
      parse_config(sigv4, {"ESM_DASHBOARD_TOKEN=from-the-environment-1"}).value().dashboard_token ==
      "from-the-environment-1");
  const auto alone = parse_config({"--dashboard-token", "tok-0123456789abcdef"}, {});
  REQUIRE_FALSE(alone.ok());
  CHECK(alone.error().message.find("--require-sigv4") != std::string::npos);
  for (const char* bad : {"short", "has space in it 0123", "quote\"0123456789abcdef"}) {
    auto refused = sigv4;
    refused.insert(refused.end(), {"--dashboard-token", bad});
    const auto r = parse_config(refused, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("--dashboard-token") != std::string::npos);
    CHECK(r.error().message.find(bad) == std::string::npos);
  }
}
