#include "api_models/error.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "api_models/json_value.hpp"

using esm::api_models::error_info;
using esm::api_models::ErrorCode;
using esm::api_models::JsonValue;

namespace {
JsonValue model_subset() {
  std::ifstream in(ESM_MODEL_SUBSET);
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = JsonValue::parse(ss.str());
  REQUIRE(parsed.ok());
  return parsed.value();
}
}  // namespace

TEST_CASE("error_info: every modelled code matches the Lambda service model", "[api_models]") {
  const auto model = model_subset();
  const auto* shapes = model.get("shapes");
  REQUIRE(shapes);
  for (auto code :
       {ErrorCode::InvalidParameterValue, ErrorCode::InvalidRequestContent,
        ErrorCode::ResourceNotFound, ErrorCode::ResourceConflict, ErrorCode::ResourceInUse,
        ErrorCode::TooManyRequests, ErrorCode::RequestTooLarge, ErrorCode::UnsupportedMediaType,
        ErrorCode::Service}) {
    const auto info = error_info(code);
    INFO(info.aws_type);
    const auto* shape = shapes->get(info.aws_type);
    REQUIRE(shape);
    CHECK(shape->get("error")->get("httpStatusCode")->as_int() == info.http_status);
    // The message member is spelled as the model spells it ("message" or "Message").
    CHECK(shape->get("members")->get(info.message_key));
    CHECK(info.fault == (info.http_status >= 500 ? "Service" : "User"));
  }
}

TEST_CASE("error_info: codes outside the model have the statuses DESIGN promises", "[api_models]") {
  CHECK(error_info(ErrorCode::Validation).http_status == 400);
  CHECK(error_info(ErrorCode::Validation).aws_type == "ValidationException");
  CHECK(error_info(ErrorCode::Validation).fault.empty());
  CHECK(error_info(ErrorCode::UnknownOperation).http_status == 404);
  CHECK(error_info(ErrorCode::MethodNotAllowed).http_status == 405);
}

TEST_CASE("error_body: carries Type and the message under the model's member name",
          "[api_models]") {
  CHECK(esm::api_models::error_body(
            {ErrorCode::ResourceNotFound, "The resource you requested does not exist."}) ==
        R"({"Type":"User","Message":"The resource you requested does not exist."})");
  CHECK(esm::api_models::error_body({ErrorCode::InvalidParameterValue, "x"}) ==
        R"({"Type":"User","message":"x"})");
  CHECK(esm::api_models::error_body({ErrorCode::Validation, "y"}) == R"({"message":"y"})");
}
