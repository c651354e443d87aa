#include "api_models/mapping_json.hpp"

#include "json_util.hpp"

namespace esm::api_models {

namespace {

void passthrough(JsonWriter& w, const EventSourceMapping& m, const char* name) {
  if (auto it = m.passthrough.find(name); it != m.passthrough.end()) w.key(name).raw(it->second);
}

}  // namespace

std::string to_json(const EventSourceMapping& m, MappingView view) {
  JsonWriter w;
  w.start_object();
  w.key("UUID").string(m.uuid);
  w.key("StartingPosition").string(m.starting_position);
  if (m.starting_position_timestamp)
    w.key("StartingPositionTimestamp").number(*m.starting_position_timestamp);
  w.key("BatchSize").integer(m.batch_size);
  if (m.maximum_batching_window_s)
    w.key("MaximumBatchingWindowInSeconds").integer(*m.maximum_batching_window_s);
  if (m.event_source_arn) w.key("EventSourceArn").string(*m.event_source_arn);
  const bool encrypted = m.passthrough.count("KMSKeyArn") > 0;
  if (view == MappingView::ListItem && encrypted && m.passthrough.count("FilterCriteria")) {
    w.key("FilterCriteria").null();
  } else {
    passthrough(w, m, "FilterCriteria");
  }
  passthrough(w, m, "KMSKeyArn");
  passthrough(w, m, "MetricsConfig");
  passthrough(w, m, "LoggingConfig");
  w.key("FunctionArn").string(m.function_arn);
  w.key("LastModified").number(m.last_modified);
  w.key("LastProcessingResult").string(m.last_processing_result);
  w.key("State").string(to_string(m.state));
  w.key("StateTransitionReason").string(m.state_transition_reason);
  passthrough(w, m, "DestinationConfig");
  w.key("Topics").start_array();
  for (const auto& t : m.topics) w.string(t);
  w.end_array();
  if (!m.source_access_configurations.empty()) {
    w.key("SourceAccessConfigurations").start_array();
    for (const auto& s : m.source_access_configurations) {
      w.start_object().key("Type").string(s.type).key("URI").string(s.uri).end_object();
    }
    w.end_array();
  }
  if (m.self_managed()) {
    w.key("SelfManagedEventSource").start_object().key("Endpoints").start_object();
    w.key("KAFKA_BOOTSTRAP_SERVERS").start_array();
    for (const auto& s : m.bootstrap_servers) w.string(s);
    w.end_array().end_object().end_object();
  }
  passthrough(w, m, "MaximumRecordAgeInSeconds");
  passthrough(w, m, "BisectBatchOnFunctionError");
  passthrough(w, m, "MaximumRetryAttempts");
  passthrough(w, m, "FunctionResponseTypes");
  w.key(m.self_managed() ? "SelfManagedKafkaEventSourceConfig"
                         : "AmazonManagedKafkaEventSourceConfig");
  w.start_object().key("ConsumerGroupId").string(m.group_id());
  if (m.consumption_mode) w.key("ConsumptionMode").string(*m.consumption_mode);
  if (m.schema_registry_config) w.key("SchemaRegistryConfig").raw(*m.schema_registry_config);
  w.end_object();
  w.key("EventSourceMappingArn").string(m.mapping_arn());
  passthrough(w, m, "ProvisionedPollerConfig");
  if (view == MappingView::Storage) {
    w.key("Enabled").boolean(m.enabled);
    w.key("Region").string(m.region);
    w.key("AccountId").string(m.account_id);
    w.key("CreatedAt").number(m.created_at);
    w.key("Revision").integer(static_cast<std::int64_t>(m.revision));
  }
  w.end_object();
  return w.take();
}

Result<EventSourceMapping> mapping_from_storage(std::string_view json) {
  rapidjson::Document d;
  if (auto r = parse_json(json, d); !r.ok() || !d.IsObject()) {
    return ApiError{ErrorCode::Service, "stored mapping is not readable"};
  }
  EventSourceMapping m;
  try {
    m.uuid = str(d["UUID"]);
    m.starting_position = str(d["StartingPosition"]);
    if (const auto* v = find(d, "StartingPositionTimestamp"))
      m.starting_position_timestamp = v->GetDouble();
    m.batch_size = d["BatchSize"].GetInt();
    if (const auto* v = find(d, "MaximumBatchingWindowInSeconds"))
      m.maximum_batching_window_s = v->GetInt();
    if (const auto* v = find(d, "EventSourceArn")) m.event_source_arn = str(*v);
    m.function_arn = str(d["FunctionArn"]);
    m.last_modified = d["LastModified"].GetDouble();
    m.last_processing_result = str(d["LastProcessingResult"]);
    m.state = parse_state(str(d["State"])).value_or(MappingState::Disabled);
    m.state_transition_reason = str(d["StateTransitionReason"]);
    for (const auto& t : d["Topics"].GetArray()) m.topics.push_back(str(t));
    if (const auto* v = find(d, "SourceAccessConfigurations")) {
      for (const auto& s : v->GetArray())
        m.source_access_configurations.push_back({str(s["Type"]), str(s["URI"])});
    }
    if (const auto* v = find(d, "SelfManagedEventSource")) {
      for (const auto& s : (*v)["Endpoints"]["KAFKA_BOOTSTRAP_SERVERS"].GetArray()) {
        m.bootstrap_servers.push_back(str(s));
      }
    }
    const auto* cfg = find(d, m.event_source_arn ? "AmazonManagedKafkaEventSourceConfig"
                                                 : "SelfManagedKafkaEventSourceConfig");
    if (cfg != nullptr) {
      m.consumer_group_id = str((*cfg)["ConsumerGroupId"]);
      m.consumption_mode = opt_str(*cfg, "ConsumptionMode");
      if (const auto* s = find(*cfg, "SchemaRegistryConfig"))
        m.schema_registry_config = to_json_text(*s);
    }
    for (const char* name : kPassthroughMembers) {
      if (const auto* v = find(d, name)) m.passthrough[name] = to_json_text(*v);
    }
    m.enabled = d["Enabled"].GetBool();
    m.region = str(d["Region"]);
    m.account_id = str(d["AccountId"]);
    m.created_at = d["CreatedAt"].GetDouble();
    // Absent in data directories from before revisions: 0, raised by the next Update.
    if (const auto* v = find(d, "Revision"); v != nullptr && v->IsUint64())
      m.revision = v->GetUint64();
  } catch (...) {
    return ApiError{ErrorCode::Service, "stored mapping is not readable"};
  }
  return m;
}

std::string list_response_json(const std::vector<EventSourceMapping>& page,
                               const std::string& next_marker) {
  JsonWriter w;
  w.start_object();
  if (!next_marker.empty()) w.key("NextMarker").string(next_marker);
  w.key("EventSourceMappings").start_array();
  for (const auto& m : page) w.raw(to_json(m, MappingView::ListItem));
  w.end_array();
  w.end_object();
  return w.take();
}

std::string tags_response_json(const Tags& tags) {
  JsonWriter w;
  w.start_object().key("Tags").start_object();
  for (const auto& [k, v] : tags) w.key(k).string(v);
  w.end_object().end_object();
  return w.take();
}

std::string health_json(const std::vector<EventSourceMapping>& unhealthy) {
  JsonWriter w;
  w.start_object().key("unhealthy").start_array();
  for (const auto& m : unhealthy) {
    w.start_object();
    w.key("UUID").string(m.uuid);
    w.key("State").string(to_string(m.state));
    w.key("StateTransitionReason").string(m.state_transition_reason);
    w.key("LastProcessingResult").string(m.last_processing_result);
    w.end_object();
  }
  w.end_array();
  w.key("status").string(unhealthy.empty() ? "ok" : "degraded");
  w.key("service").string("esm-emulator");
  w.end_object();
  return w.take();
}

}  // namespace esm::api_models
