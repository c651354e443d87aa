#include "sigv4.hpp"

#include <catch2/catch.hpp>

namespace esm::server {
namespace {

using sigv4::Credentials;
using Clock = std::chrono::system_clock;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";  // AWS's example key

Clock::time_point at(const char* amz_date) { return sigv4::parse_amz_date(amz_date).value(); }

// "get-vanilla" from AWS's SigV4 test suite: GET / to example.amazonaws.com, service "service".
Request vanilla() {
  Request r;
  r.method = "GET";
  r.path = "/";
  r.target = "/";
  r.headers["host"] = "example.amazonaws.com";
  r.headers["x-amz-date"] = "20150830T123600Z";
  r.headers["authorization"] =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date, "
      "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
  return r;
}

}  // namespace

TEST_CASE("SigV4: the signing key of AWS's documented example", "[server][sigv4]") {
  CHECK(sigv4::hex(sigv4::signing_key(kSecret, "20120215", "us-east-1", "iam")) ==
        "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  CHECK(sigv4::sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("SigV4: AWS's get-vanilla request verifies, and fails when anything differs",
          "[server][sigv4]") {
  const Credentials keys{{"AKIDEXAMPLE", kSecret}};
  const auto now = at("20150830T123600Z");
  CHECK_FALSE(sigv4::verify(vanilla(), "service", keys, now).has_value());
  CHECK_FALSE(
      sigv4::verify(vanilla(), "service", keys, now + std::chrono::minutes(15)).has_value());

  auto code = [&](Request r, const Credentials& k, Clock::time_point t,
                  const std::string& service = "service") {
    auto e = sigv4::verify(r, service, k, t);
    REQUIRE(e.has_value());
    return api_models::error_info(e->code).aws_type;
  };
  CHECK(code(vanilla(), {{"AKIDEXAMPLE", "other"}}, now) == "InvalidSignatureException");
  CHECK(code(vanilla(), {{"AKIDOTHER", kSecret}}, now) == "UnrecognizedClientException");
  CHECK(code(vanilla(), keys, now + std::chrono::minutes(16)) == "InvalidSignatureException");
  CHECK(code(vanilla(), keys, now - std::chrono::minutes(16)) == "InvalidSignatureException");
  CHECK(code(vanilla(), keys, now, "lambda") == "InvalidSignatureException");
  auto moved = vanilla();
  moved.path = "/other";
  CHECK(code(moved, keys, now) == "InvalidSignatureException");
  auto host = vanilla();
  host.headers["host"] = "example.amazonaws.com:80";
  CHECK(code(host, keys, now) == "InvalidSignatureException");
  auto query = vanilla();
  query.query.emplace("a", "b");
  CHECK(code(query, keys, now) == "InvalidSignatureException");
  auto body = vanilla();
  body.body = "x";
  CHECK(code(body, keys, now) == "InvalidSignatureException");
  auto unsigned_req = vanilla();
  unsigned_req.headers.erase("authorization");
  CHECK(code(unsigned_req, keys, now) == "MissingAuthenticationTokenException");
  auto garbled = vanilla();
  garbled.headers["authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830";
  CHECK(code(garbled, keys, now) == "IncompleteSignatureException");
  auto no_date = vanilla();
  no_date.headers.erase("x-amz-date");
  CHECK(code(no_date, keys, now) == "IncompleteSignatureException");
}

TEST_CASE("SigV4: canonical URI, query and dates", "[server][sigv4]") {
  CHECK(sigv4::canonical_uri("") == "/");
  CHECK(sigv4::canonical_uri("/") == "/");
  CHECK(sigv4::canonical_uri("/2015-03-31/event-source-mappings/") ==
        "/2015-03-31/event-source-mappings/");
  CHECK(sigv4::canonical_uri("/a/./b/../c//d") == "/a/c/d");
  // Sent once encoded, signed twice encoded (every service but S3).
  CHECK(sigv4::canonical_uri("/2017-03-31/tags/arn%3Aaws%3Alambda") ==
        "/2017-03-31/tags/arn%253Aaws%253Alambda");
  std::multimap<std::string, std::string> q{
      {"b", "2"}, {"a", "x y/z~"}, {"a", "1"}, {"X-Amz-Signature", "s"}};
  CHECK(sigv4::canonical_query(q, "X-Amz-Signature") == "a=1&a=x%20y%2Fz~&b=2");
  CHECK(sigv4::canonical_query(q, "") == "X-Amz-Signature=s&a=1&a=x%20y%2Fz~&b=2");
  CHECK(sigv4::format_amz_date(at("20150830T123600Z")) == "20150830T123600Z");
  for (const char* bad :
       {"", "20150830T123600", "20151330T123600Z", "20150230T123600Z", "2015083OT123600Z",
        "20150830 123600Z", "20150830T246000Z", "99991231T235959Z"}) {
    CHECK_FALSE(sigv4::parse_amz_date(bad).has_value());
  }
}

TEST_CASE("SigV4: a request aws::sign signs verifies, and not once changed", "[server][sigv4]") {
  const auto now = at("20261202T101500Z");
  aws::RequestToSign out{
      "POST", "/base/123456789012/dlq", {{"a b", "c/d"}}, {}, "Action=X&v=%C3%BC"};
  out.headers["host"] = "127.0.0.1:4566";
  out.headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
  aws::sign(out, "sqs", "eu-west-1", aws::Credentials{"AKIDEXAMPLE", kSecret, "token"}, now);
  CHECK(out.headers.at("x-amz-security-token") == "token");
  Request in;
  in.method = out.method;
  in.path = out.path;
  in.query = out.query;
  in.body = std::string(out.body);
  for (const auto& [k, v] : out.headers) in.headers[k] = v;
  const Credentials keys{{"AKIDEXAMPLE", kSecret}};
  CHECK_FALSE(sigv4::verify(in, "sqs", keys, now).has_value());
  auto changed = in;
  changed.body += "x";
  CHECK(sigv4::verify(changed, "sqs", keys, now).has_value());
  changed = in;
  changed.headers["x-amz-security-token"] = "other";
  CHECK(sigv4::verify(changed, "sqs", keys, now).has_value());
}

}  // namespace esm::server
