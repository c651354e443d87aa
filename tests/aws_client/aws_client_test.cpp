#include <catch2/catch.hpp>
#include <variant>

#include "aws_client/http_client.hpp"
#include "aws_client/services.hpp"

namespace esm::aws {

TEST_CASE("AWS client: http endpoints as the operator gives them", "[aws]") {
  auto ok = [](const std::string& url) {
    auto e = parse_http_endpoint(url);
    REQUIRE(std::holds_alternative<HttpEndpoint>(e));
    return std::get<HttpEndpoint>(e);
  };
  auto e = ok("http://127.0.0.1:5000");
  CHECK(e.host == "127.0.0.1");
  CHECK(e.port == 5000);
  CHECK(e.path_prefix.empty());
  CHECK(e.host_header() == "127.0.0.1:5000");
  e = ok("http://localhost/base/");
  CHECK(e.port == 80);
  CHECK(e.path_prefix == "/base");
  CHECK(e.host_header() == "localhost");

  auto why = [](const std::string& url) {
    auto r = parse_http_endpoint(url);
    REQUIRE(std::holds_alternative<std::string>(r));
    return std::get<std::string>(r);
  };
  e = ok("https://sqs.us-east-1.amazonaws.com");
  CHECK(e.tls);
  CHECK(e.port == 443);
  CHECK(e.host_header() == "sqs.us-east-1.amazonaws.com");
  CHECK(ok("https://localhost:8443/x").host_header() == "localhost:8443");
  CHECK_FALSE(ok("http://h:1").tls);
  CHECK(why("127.0.0.1:5000").find("not an http:// or https:// URL") == 0);
  CHECK(why("http://h:0").find("no valid port") == 0);
  CHECK(why("http://h:99999").find("no valid port") == 0);
  CHECK(why("http://h:x").find("no valid port") == 0);
  CHECK(why("http://:5000").find("no host") == 0);
}

TEST_CASE("AWS client: ARNs of the destinations", "[aws]") {
  auto q = parse_arn("arn:aws:sqs:us-east-1:123456789012:dlq");
  REQUIRE(q);
  CHECK(q->partition == "aws");
  CHECK(q->service == "sqs");
  CHECK(q->region == "us-east-1");
  CHECK(q->account == "123456789012");
  CHECK(q->resource == "dlq");
  auto b = parse_arn("arn:aws:s3:::bucket.name");
  REQUIRE(b);
  CHECK(b->service == "s3");
  CHECK(b->region.empty());
  CHECK(b->resource == "bucket.name");
  CHECK(parse_arn("arn:aws:sns:eu-west-1:1:a:b")->resource == "a:b");
  CHECK_FALSE(parse_arn("kafka://t"));
  CHECK_FALSE(parse_arn("arn:aws:sqs:us-east-1:123"));
  CHECK_FALSE(parse_arn("arn:aws:sqs:us-east-1:123:"));
}

TEST_CASE("AWS client: what an error reply says, in each protocol", "[aws]") {
  // Query protocol (SQS, SNS).
  CHECK(
      error_summary("<ErrorResponse><Error><Type>Sender</Type><Code>AWS.SimpleQueueService."
                    "NonExistentQueue</Code><Message>The specified queue does not exist.</Message>"
                    "</Error></ErrorResponse>") ==
      "AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist.");
  // REST XML (S3).
  CHECK(error_summary("<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>The "
                      "specified bucket does not exist</Message></Error>") ==
        "NoSuchBucket: The specified bucket does not exist");
  // JSON protocol.
  CHECK(error_summary(R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"gone"})") ==
        "QueueDoesNotExist: gone");
  CHECK(error_summary("<Error><Code>Throttling</Code></Error>") == "Throttling");
  CHECK(error_summary("plain text") == "plain text");
  CHECK(error_summary(std::string(500, 'x')).size() == 200);
}

TEST_CASE("AWS client: a service without an endpoint says how to give one", "[aws]") {
  const AwsServices services({}, Credentials{"AK", "SK", ""}, "us-east-1");
  CHECK_FALSE(services.has_endpoint("sqs"));
  CHECK(services.sqs_send_message(*parse_arn("arn:aws:sqs:us-east-1:123456789012:q"), "{}") ==
        "no endpoint is configured for sqs (start the emulator with --aws-endpoint URL or "
        "--sqs-endpoint URL)");
  ServiceEndpoints endpoints;
  endpoints.all = std::get<HttpEndpoint>(parse_http_endpoint("http://127.0.0.1:1"));
  endpoints.per_service["s3"] = std::get<HttpEndpoint>(parse_http_endpoint("http://127.0.0.1:2"));
  CHECK(endpoints.find("sqs")->port == 1);
  CHECK(endpoints.find("s3")->port == 2);
}

}  // namespace esm::aws
