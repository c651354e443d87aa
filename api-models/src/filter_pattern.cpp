#include "api_models/filter_pattern.hpp"

#include <rapidjson/document.h>

#include <string>

namespace esm::api_models {

namespace {

constexpr int kMaxDepth = 32;

bool is_scalar(const rapidjson::Value& v) { return v.IsString() || v.IsNumber() || v.IsBool(); }

bool valid_numeric(const rapidjson::Value& v) {
  if (!v.IsArray() || v.Empty() || v.Size() % 2 != 0 || v.Size() > 4) return false;
  for (rapidjson::SizeType i = 0; i < v.Size(); i += 2) {
    if (!v[i].IsString() || !v[i + 1].IsNumber()) return false;
    const std::string op = v[i].GetString();
    if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=") return false;
    if (v.Size() == 4 && op == "=") return false;
  }
  return true;
}

bool valid_rule(const rapidjson::Value& rule) {
  if (rule.IsNull() || is_scalar(rule)) return true;
  if (!rule.IsObject() || rule.MemberCount() != 1) return false;
  const auto& m = *rule.MemberBegin();
  const std::string op = m.name.GetString();
  const auto& arg = m.value;
  if (op == "prefix" || op == "suffix" || op == "equals-ignore-case") return arg.IsString();
  if (op == "exists") return arg.IsBool();
  if (op == "numeric") return valid_numeric(arg);
  if (op == "anything-but") {
    if (is_scalar(arg)) return !arg.IsBool();
    if (!arg.IsArray() || arg.Empty()) return false;
    for (const auto& x : arg.GetArray()) {
      if (!x.IsString() && !x.IsNumber()) return false;
    }
    return true;
  }
  return false;
}

bool valid_object(const rapidjson::Value& obj, int depth) {
  if (depth > kMaxDepth || !obj.IsObject() || obj.MemberCount() == 0) return false;
  for (const auto& m : obj.GetObject()) {
    const std::string key = m.name.GetString();
    if (key == "$or") {
      if (!m.value.IsArray() || m.value.Size() < 2) return false;
      for (const auto& alt : m.value.GetArray()) {
        if (!valid_object(alt, depth + 1)) return false;
      }
    } else if (m.value.IsObject()) {
      if (!valid_object(m.value, depth + 1)) return false;
    } else if (m.value.IsArray()) {
      if (m.value.Empty()) return false;
      for (const auto& rule : m.value.GetArray()) {
        if (!valid_rule(rule)) return false;
      }
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_valid_filter_pattern(std::string_view pattern) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(pattern.data(), pattern.size());
  return !doc.HasParseError() && valid_object(doc, 0);
}

}  // namespace esm::api_models
