#include "api_models/delivery_options.hpp"

#include <rapidjson/document.h>

namespace esm::api_models {

namespace {

// The stored member `name` parsed, or nothing (absent, or not what validation let through).
std::optional<rapidjson::Document> stored(const EventSourceMapping& m, const char* name) {
  auto it = m.passthrough.find(name);
  if (it == m.passthrough.end()) return std::nullopt;
  rapidjson::Document d;
  d.Parse(it->second.data(), it->second.size());
  if (d.HasParseError()) return std::nullopt;
  return d;
}

const rapidjson::Value* member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(name);
  return it == v.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> string_at(const rapidjson::Value& v, const char* name) {
  const auto* s = member(v, name);
  if (s == nullptr || !s->IsString()) return std::nullopt;
  return std::string(s->GetString(), s->GetStringLength());
}

std::optional<int> int_at(const rapidjson::Value& v, const char* name) {
  const auto* n = member(v, name);
  if (n == nullptr || !n->IsInt()) return std::nullopt;
  return n->GetInt();
}

std::vector<std::string> strings(const rapidjson::Value* list, const char* member_name = nullptr) {
  std::vector<std::string> out;
  if (list == nullptr || !list->IsArray()) return out;
  for (const auto& e : list->GetArray()) {
    if (member_name == nullptr && e.IsString())
      out.emplace_back(e.GetString(), e.GetStringLength());
    if (member_name != nullptr) {
      if (auto s = string_at(e, member_name)) out.push_back(*s);
    }
  }
  return out;
}

}  // namespace

DeliveryOptions delivery_options(const EventSourceMapping& m) {
  DeliveryOptions o;
  if (auto d = stored(m, "FilterCriteria"))
    o.filter_patterns = strings(member(*d, "Filters"), "Pattern");
  if (auto d = stored(m, "DestinationConfig")) {
    if (const auto* on_failure = member(*d, "OnFailure"))
      o.on_failure_destination = string_at(*on_failure, "Destination");
  }
  if (auto d = stored(m, "MaximumRetryAttempts"); d && d->IsInt())
    o.maximum_retry_attempts = d->GetInt();
  if (auto d = stored(m, "MaximumRecordAgeInSeconds"); d && d->IsInt())
    o.maximum_record_age_s = d->GetInt();
  if (auto d = stored(m, "BisectBatchOnFunctionError"); d && d->IsBool())
    o.bisect_batch_on_function_error = d->GetBool();
  if (auto d = stored(m, "FunctionResponseTypes")) {
    for (const auto& t : strings(&*d))
      o.report_batch_item_failures |= t == "ReportBatchItemFailures";
  }
  if (auto d = stored(m, "ProvisionedPollerConfig")) {
    o.minimum_pollers = int_at(*d, "MinimumPollers");
    o.maximum_pollers = int_at(*d, "MaximumPollers");
    o.poller_group_name = string_at(*d, "PollerGroupName");
  }
  if (auto d = stored(m, "MetricsConfig")) o.metrics = strings(member(*d, "Metrics"));
  if (auto d = stored(m, "LoggingConfig")) o.system_log_level = string_at(*d, "SystemLogLevel");
  if (m.consumption_mode) o.consumption_mode = *m.consumption_mode;
  if (m.schema_registry_config) {
    rapidjson::Document d;
    d.Parse(m.schema_registry_config->data(), m.schema_registry_config->size());
    if (!d.HasParseError()) {
      o.schema_registry_uri = string_at(d, "SchemaRegistryURI");
      o.event_record_format = string_at(d, "EventRecordFormat");
      o.schema_validation_attributes = strings(member(d, "SchemaValidationConfigs"), "Attribute");
      if (const auto* access = member(d, "AccessConfigs"); access && access->IsArray()) {
        for (const auto& a : access->GetArray()) {
          o.schema_registry_access.emplace_back(string_at(a, "Type").value_or(""),
                                                string_at(a, "URI").value_or(""));
        }
      }
    }
  }
  return o;
}

}  // namespace esm::api_models
