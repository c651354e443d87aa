#include "json_util.hpp"

#include <rapidjson/error/en.h>

#include <chrono>
#include <cmath>
#include <optional>

#include "api_models/json_text.hpp"

namespace esm::api_models {

namespace {

// Bodies nested deeper are refused before they are parsed: what reads a parsed body (the model
// check, error messages that show a value) recurses by depth, and a megabyte of '[' took the
// thread's whole stack. No request of the API nests a tenth as deep.
constexpr std::size_t kMaxJsonDepth = 1000;

}  // namespace

Result<Ok> parse_json(std::string_view text, rapidjson::Document& doc) {
  if (const auto at = json_nesting_passes(text, kMaxJsonDepth)) {
    return ApiError{ErrorCode::InvalidRequestContent,
                    "Could not parse request body into json: nested deeper than " +
                        std::to_string(kMaxJsonDepth) + " levels (at offset " +
                        std::to_string(*at) + ")"};
  }
  // Iterative as well: the parser's own recursion would be bounded by the check above, but
  // needs no stack this way.
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(text.data(),
                                                                                    text.size());
  if (doc.HasParseError()) {
    return ApiError{ErrorCode::InvalidRequestContent,
                    std::string("Could not parse request body into json: ") +
                        rapidjson::GetParseError_En(doc.GetParseError()) + " (at offset " +
                        std::to_string(doc.GetErrorOffset()) + ")"};
  }
  return Ok{};
}

std::string to_json_text(const rapidjson::Value& v) {
  JsonWriter w;
  w.value(v);
  return w.take();
}

std::string render_value(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsNull()) return "null";
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsNumber()) return to_json_text(v);
  std::string out;
  if (v.IsArray()) {
    out = "[";
    bool first = true;
    for (const auto& item : v.GetArray()) {
      if (!first) out += ", ";
      first = false;
      out += render_value(item);
    }
    return out + "]";
  }
  out = "{";
  bool first = true;
  for (const auto& m : v.GetObject()) {
    if (!first) out += ", ";
    first = false;
    out.append(m.name.GetString(), m.name.GetStringLength());
    out += "=" + render_value(m.value);
  }
  return out + "}";
}

std::string camel(std::string_view member) {
  std::string out(member);
  // Leading capitals become lower case up to the start of the next word ("UUID" -> "uUID" on
  // AWS too; we follow the simple Java bean rule of lowering only the first letter).
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z')
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

double now_epoch_seconds() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return static_cast<double>(ms) / 1000.0;
}

const rapidjson::Value* find(const rapidjson::Value& object, std::string_view key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(
      rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string str(const rapidjson::Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

std::optional<std::string> opt_str(const rapidjson::Value& obj, std::string_view key) {
  const auto* v = find(obj, key);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return str(*v);
}

std::optional<double> opt_num(const rapidjson::Value& obj, std::string_view key) {
  const auto* v = find(obj, key);
  if (v == nullptr || !v->IsNumber()) return std::nullopt;
  return v->GetDouble();
}

}  // namespace esm::api_models
