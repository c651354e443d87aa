#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api_models/error.hpp"

namespace esm::api_models {

// A small read-only JSON tree for modules that must not see RapidJSON (config files, function
// responses). Numbers keep whether they were integers.
class JsonValue {
 public:
  using Object = std::vector<std::pair<std::string, JsonValue>>;
  using Array = std::vector<JsonValue>;

  static Result<JsonValue> parse(std::string_view text);

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_int() const { return std::holds_alternative<std::int64_t>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  bool as_bool() const { return std::get<bool>(v_); }
  const Object& members() const { return std::get<Object>(v_); }
  const Array& items() const { return std::get<Array>(v_); }
  // The member named `key`, or nullptr; valid while this value lives.
  const JsonValue* get(std::string_view key) const;

  JsonValue() = default;
  template <typename T>
  explicit JsonValue(T v) : v_(std::move(v)) {}

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> v_;
};

}  // namespace esm::api_models
