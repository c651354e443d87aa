#include "api_models/function_name.hpp"

#include <catch2/catch.hpp>

using esm::api_models::parse_function_name;

TEST_CASE("FunctionName: every form the model allows resolves to AWS's FunctionArn",
          "[api_models]") {
  struct Case {
    const char* input;
    const char* arn;
  } cases[] = {
      {"my-function", "arn:aws:lambda:us-east-1:000000000000:function:my-function"},
      {"my-function:PROD", "arn:aws:lambda:us-east-1:000000000000:function:my-function:PROD"},
      {"my-function:1", "arn:aws:lambda:us-east-1:000000000000:function:my-function:1"},
      {"my-function:$LATEST", "arn:aws:lambda:us-east-1:000000000000:function:my-function:$LATEST"},
      {"123456789012:function:my-function",
       "arn:aws:lambda:us-east-1:123456789012:function:my-function"},
      {"eu-west-1:123456789012:function:my-function:7",
       "arn:aws:lambda:eu-west-1:123456789012:function:my-function:7"},
      {"arn:aws:lambda:us-west-2:123456789012:function:my-function",
       "arn:aws:lambda:us-west-2:123456789012:function:my-function"},
      {"arn:aws:lambda:us-west-2:123456789012:function:my-function:alias",
       "arn:aws:lambda:us-west-2:123456789012:function:my-function:alias"},
  };
  for (const auto& c : cases) {
    INFO(c.input);
    auto ref = parse_function_name(c.input);
    REQUIRE(ref);
    CHECK(ref->arn("us-east-1", "000000000000") == c.arn);
    CHECK(ref->name == "my-function");
  }
}

TEST_CASE("FunctionName: too many parts do not parse", "[api_models]") {
  CHECK_FALSE(parse_function_name("arn:aws:lambda:us-west-2:123456789012:function:f:q:extra"));
  CHECK_FALSE(parse_function_name(""));
}
