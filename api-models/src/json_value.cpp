#include "api_models/json_value.hpp"

#include "json_util.hpp"

namespace esm::api_models {

namespace {
JsonValue convert(const rapidjson::Value& v, int depth) {
  if (depth > 64) return JsonValue();
  if (v.IsBool()) return JsonValue(v.GetBool());
  if (v.IsInt64()) return JsonValue(static_cast<std::int64_t>(v.GetInt64()));
  if (v.IsNumber()) return JsonValue(v.GetDouble());
  if (v.IsString()) return JsonValue(std::string(v.GetString(), v.GetStringLength()));
  if (v.IsArray()) {
    JsonValue::Array a;
    for (const auto& x : v.GetArray()) a.push_back(convert(x, depth + 1));
    return JsonValue(std::move(a));
  }
  if (v.IsObject()) {
    JsonValue::Object o;
    for (const auto& m : v.GetObject()) {
      o.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()),
                     convert(m.value, depth + 1));
    }
    return JsonValue(std::move(o));
  }
  return JsonValue();
}
}  // namespace

Result<JsonValue> JsonValue::parse(std::string_view text) {
  rapidjson::Document d;
  if (auto r = parse_json(text, d); !r.ok()) return r.error();
  return convert(d, 0);
}

const JsonValue* JsonValue::get(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : members()) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace esm::api_models
