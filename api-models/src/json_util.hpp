#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api_models/error.hpp"
#include "api_models/mapping.hpp"

namespace esm::api_models {

// A thin fluent wrapper over rapidjson::Writer, private to api-models.
class JsonWriter {
 public:
  JsonWriter() : writer_(buffer_) {}
  JsonWriter& start_object() {
    writer_.StartObject();
    return *this;
  }
  JsonWriter& end_object() {
    writer_.EndObject();
    return *this;
  }
  JsonWriter& start_array() {
    writer_.StartArray();
    return *this;
  }
  JsonWriter& end_array() {
    writer_.EndArray();
    return *this;
  }
  JsonWriter& key(std::string_view k) {
    writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    return *this;
  }
  JsonWriter& string(std::string_view s) {
    writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return *this;
  }
  JsonWriter& integer(std::int64_t v) {
    writer_.Int64(v);
    return *this;
  }
  JsonWriter& number(double v) {
    writer_.Double(v);
    return *this;
  }
  JsonWriter& boolean(bool v) {
    writer_.Bool(v);
    return *this;
  }
  JsonWriter& null() {
    writer_.Null();
    return *this;
  }
  // Splices already-serialised JSON text (a value produced by this module) in place.
  JsonWriter& raw(std::string_view json) {
    writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    return *this;
  }
  JsonWriter& value(const rapidjson::Value& v) {
    v.Accept(writer_);
    return *this;
  }
  std::string take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

// Members a mapping keeps verbatim as JSON text (EventSourceMapping::passthrough), in the
// order responses carry them.
inline constexpr const char* kPassthroughMembers[] = {"FilterCriteria",
                                                      "KMSKeyArn",
                                                      "MetricsConfig",
                                                      "LoggingConfig",
                                                      "DestinationConfig",
                                                      "MaximumRecordAgeInSeconds",
                                                      "BisectBatchOnFunctionError",
                                                      "MaximumRetryAttempts",
                                                      "FunctionResponseTypes",
                                                      "ProvisionedPollerConfig"};

// Parses a request body: valid UTF-8 JSON or InvalidRequestContent.
Result<Ok> parse_json(std::string_view text, rapidjson::Document& doc);

// Serialises one value compactly.
std::string to_json_text(const rapidjson::Value& v);

// Renders a value as AWS's validation messages do (Java toString style).
std::string render_value(const rapidjson::Value& v);

// "FunctionName" -> "functionName": the member path style of validation messages.
std::string camel(std::string_view member);

const rapidjson::Value* find(const rapidjson::Value& object, std::string_view key);

// A string value (which must be one) as std::string.
std::string str(const rapidjson::Value& v);
// The member if present with that type, else nullopt (stored documents, read leniently).
std::optional<std::string> opt_str(const rapidjson::Value& obj, std::string_view key);
std::optional<double> opt_num(const rapidjson::Value& obj, std::string_view key);

}  // namespace esm::api_models
