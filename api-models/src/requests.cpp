#include "api_models/requests.hpp"

#include <set>

#include "api_models/delivery_options.hpp"
#include "api_models/filter_pattern.hpp"
#include "api_models/mapping_state.hpp"
#include "json_util.hpp"
#include "shape_model.hpp"

namespace esm::api_models {

namespace {

constexpr std::size_t kMaxFilters = 5;
constexpr std::string_view kMskCluster = ":cluster/";
constexpr std::string_view kMskVpcConnection = ":vpc-connection/";

ApiError invalid(std::string message) {
  return ApiError{ErrorCode::InvalidParameterValue, std::move(message)};
}

ApiError unsupported(std::string_view parameter) {
  return invalid("Unsupported " + std::string(parameter) +
                 " parameter for given event source mapping type.");
}

// Parses `body` and checks it against the model shape: the shared first step of every body.
Result<Ok> parse_and_validate(std::string_view body, std::string_view shape,
                              rapidjson::Document& doc) {
  auto parsed = parse_json(body.empty() ? std::string_view("{}") : body, doc);
  if (!parsed.ok()) return parsed.error();
  if (!doc.IsObject()) {
    return ApiError{ErrorCode::InvalidRequestContent,
                    "Could not parse request body into json: the body must be a JSON object"};
  }
  std::vector<std::string> failures;
  ShapeModel::get().validate(shape, doc, "", failures);
  if (!failures.empty()) return ApiError{ErrorCode::Validation, validation_message(failures)};
  return Ok{};
}

const rapidjson::Value* present(const rapidjson::Value& obj, std::string_view key) {
  const auto* v = find(obj, key);
  return (v == nullptr || v->IsNull()) ? nullptr : v;
}

std::vector<SourceAccessConfiguration> read_sacs(const rapidjson::Value& list) {
  std::vector<SourceAccessConfiguration> out;
  for (const auto& item : list.GetArray()) {
    SourceAccessConfiguration sac;
    if (const auto* t = present(item, "Type")) sac.type = str(*t);
    if (const auto* u = present(item, "URI")) sac.uri = str(*u);
    out.push_back(std::move(sac));
  }
  return out;
}

// Types of the 2026-11 model that authenticate through AWS's identity services or an OAuth
// provider; refused at Create/Update rather than stored and silently not used.
Result<Ok> refuse_unsupported_auth(const SourceAccessConfiguration& sac) {
  if (sac.type == "IAM_AUTH" || sac.type == "IAM_OAUTHBEARER_AUTH") {
    return invalid(sac.type +
                   " is not supported by esm-emulator: IAM authentication signs with the "
                   "function's execution role, which does not exist locally. Use BASIC_AUTH, "
                   "SASL_SCRAM_256_AUTH, SASL_SCRAM_512_AUTH or CLIENT_CERTIFICATE_TLS_AUTH.");
  }
  if (sac.type.rfind("OAUTHBEARER_", 0) == 0) {
    return invalid(sac.type +
                   " is not supported by esm-emulator yet (SASL/OAUTHBEARER is not "
                   "implemented). Use BASIC_AUTH, SASL_SCRAM_256_AUTH, SASL_SCRAM_512_AUTH or "
                   "CLIENT_CERTIFICATE_TLS_AUTH.");
  }
  return Ok{};
}

// The authentication entries of reference §3.3 that one mapping may combine.
Result<Ok> check_sacs(const std::vector<SourceAccessConfiguration>& sacs, bool self_managed) {
  std::set<std::string> seen;
  int auth = 0;
  for (const auto& sac : sacs) {
    if (auto r = refuse_unsupported_auth(sac); !r.ok()) return r;
    if (sac.type.empty() || sac.uri.empty()) {
      return invalid("Each SourceAccessConfiguration needs a Type and a URI.");
    }
    const bool vpc = sac.type == "VPC_SUBNET" || sac.type == "VPC_SECURITY_GROUP";
    if (!vpc && !seen.insert(sac.type).second) {
      return invalid("Duplicate SourceAccessConfiguration type " + sac.type + ".");
    }
    if (sac.type == "VIRTUAL_HOST") return unsupported("VIRTUAL_HOST");
    if (!self_managed && (vpc || sac.type == "BASIC_AUTH" || sac.type == "SASL_SCRAM_256_AUTH" ||
                          sac.type == "SERVER_ROOT_CA_CERTIFICATE")) {
      return unsupported(sac.type);
    }
    const bool secret = sac.type == "BASIC_AUTH" || sac.type == "SASL_SCRAM_256_AUTH" ||
                        sac.type == "SASL_SCRAM_512_AUTH" ||
                        sac.type == "CLIENT_CERTIFICATE_TLS_AUTH";
    if (secret) ++auth;
    if ((secret || sac.type == "SERVER_ROOT_CA_CERTIFICATE") &&
        (sac.uri.rfind("arn:", 0) != 0 || sac.uri.find(":secretsmanager:") == std::string::npos)) {
      return invalid("The URI of " + sac.type + " must be a Secrets Manager secret ARN.");
    }
  }
  if (auth > 1) {
    return invalid(
        "Only one of BASIC_AUTH, SASL_SCRAM_256_AUTH, SASL_SCRAM_512_AUTH and "
        "CLIENT_CERTIFICATE_TLS_AUTH may be given.");
  }
  return Ok{};
}

Result<Ok> check_filters(const rapidjson::Value& criteria) {
  const auto* filters = present(criteria, "Filters");
  if (filters == nullptr) return Ok{};
  if (filters->Size() > kMaxFilters) {
    return invalid("Invalid filter criteria: at most " + std::to_string(kMaxFilters) +
                   " filters are allowed.");
  }
  for (const auto& f : filters->GetArray()) {
    const auto* pattern = present(f, "Pattern");
    if (pattern == nullptr || !is_valid_filter_pattern(str(*pattern))) {
      return invalid("Invalid filter pattern definition.");
    }
  }
  return Ok{};
}

// Members Kafka mappings never take (§6.1 rule 7).
Result<Ok> reject_non_kafka(const rapidjson::Value& doc) {
  for (const char* name : {"ParallelizationFactor", "TumblingWindowInSeconds", "ScalingConfig",
                           "Queues", "DocumentDBEventSourceConfig"}) {
    if (present(doc, name)) return unsupported(name);
  }
  return Ok{};
}

// Passthrough members that need ProvisionedPollerConfig (§6.1 rule 8).
constexpr const char* kProvisionedOnly[] = {"MaximumRecordAgeInSeconds",
                                            "BisectBatchOnFunctionError", "MaximumRetryAttempts",
                                            "FunctionResponseTypes"};

bool provisioned(const std::map<std::string, std::string>& passthrough) {
  auto it = passthrough.find("ProvisionedPollerConfig");
  return it != passthrough.end() && it->second != "{}";
}

// Kafka mappings send failures to SQS, SNS, S3 or a Kafka topic only (reference §4, S8/S9).
Result<Ok> check_destination_kind(const std::string& target) {
  if (target.rfind("kafka://", 0) == 0) return Ok{};
  for (const char* service : {":sqs:", ":sns:", ":s3:"}) {
    if (target.rfind("arn:", 0) == 0 && target.find(service) != std::string::npos) return Ok{};
  }
  return invalid("Unsupported DestinationConfig.OnFailure.Destination " + target +
                 " for given event source mapping type: a Kafka event source mapping sends "
                 "failures to an Amazon SQS queue, an Amazon SNS topic, an Amazon S3 bucket or "
                 "a kafka:// topic.");
}

// ConsumptionMode (2026-11 model): Stream is today's consumer group; Queue needs share groups,
// does not take a starting position or a batching window, and is refused here (see ctx).
Result<Ok> check_consumption_mode(const rapidjson::Value& doc, const EventSourceMapping& m,
                                  const RequestContext& ctx) {
  if (m.consumption_mode.value_or("Stream") != "Queue") return Ok{};
  for (const char* name :
       {"StartingPosition", "StartingPositionTimestamp", "MaximumBatchingWindowInSeconds"}) {
    if (present(doc, name)) {
      return invalid("Unsupported '" + camel(name) +
                     "' parameter for ConsumptionMode Queue: a share group has no starting "
                     "position or batching window.");
    }
  }
  return invalid(ctx.queue_mode_refusal);
}

// Rules on the combined configuration, run on Create and after an Update is applied.
Result<Ok> check_combined(const EventSourceMapping& m) {
  const bool prov = provisioned(m.passthrough);
  for (const char* name : kProvisionedOnly) {
    if (!prov && m.passthrough.count(name)) return unsupported(name);
  }
  if (!prov && m.schema_registry_config) return unsupported("SchemaRegistryConfig");
  for (const auto& [type, uri] : delivery_options(m).schema_registry_access) {
    if (type == "OAUTHBEARER_AUTH") {
      return invalid(
          "OAUTHBEARER_AUTH in SchemaRegistryConfig.AccessConfigs is not supported by "
          "esm-emulator yet (getting an OAuth token for the registry is not implemented). Use "
          "BASIC_AUTH, CLIENT_CERTIFICATE_TLS_AUTH or SERVER_ROOT_CA_CERTIFICATE.");
    }
  }
  if (auto it = m.passthrough.find("MaximumRecordAgeInSeconds"); it != m.passthrough.end()) {
    const long age = std::stol(it->second);
    if (age >= 0 && age < 60) {
      return invalid("MaximumRecordAgeInSeconds must be -1 or between 60 and 604800.");
    }
  }
  if (auto it = m.passthrough.find("ProvisionedPollerConfig"); it != m.passthrough.end()) {
    rapidjson::Document d;
    d.Parse(it->second.c_str());
    const auto* mn = present(d, "MinimumPollers");
    const auto* mx = present(d, "MaximumPollers");
    const int lo = mn ? mn->GetInt() : 1;
    const int hi = mx ? mx->GetInt() : 200;
    if (hi < lo) return invalid("MaximumPollers must be greater than or equal to MinimumPollers.");
  }
  if (auto it = m.passthrough.find("DestinationConfig"); it != m.passthrough.end()) {
    rapidjson::Document d;
    d.Parse(it->second.c_str());
    if (present(d, "OnSuccess")) {
      return invalid(
          "Unsupported DestinationConfig parameter for given event source mapping type.");
    }
    const auto* on_failure = present(d, "OnFailure");
    const auto* dest = on_failure ? present(*on_failure, "Destination") : nullptr;
    if (dest != nullptr) {
      const std::string target = str(*dest);
      if (auto r = check_destination_kind(target); !r.ok()) return r;
      if (target.rfind("kafka://", 0) == 0) {
        if (!prov) return unsupported("kafka:// DestinationConfig");
        for (const auto& t : m.topics) {
          if (target.substr(8) == t) {
            return invalid(
                "The Kafka topic of the on-failure destination must not be the mapping's source "
                "topic.");
          }
        }
      }
    }
  }
  return Ok{};
}

// The canonical JSON text kept for a passthrough member, or nullopt when the value means
// "remove" (FilterCriteria {}, KMSKeyArn "", DestinationConfig with an empty Destination).
std::optional<std::string> passthrough_value(std::string_view name, const rapidjson::Value& v) {
  if (name == "FilterCriteria") {
    const auto* filters = present(v, "Filters");
    if (filters == nullptr || filters->Empty()) return std::nullopt;
  }
  if (name == "KMSKeyArn" && v.IsString() && v.GetStringLength() == 0) return std::nullopt;
  if (name == "DestinationConfig") {
    const auto* on_failure = present(v, "OnFailure");
    const auto* dest = on_failure ? present(*on_failure, "Destination") : nullptr;
    if (present(v, "OnSuccess") == nullptr && (dest == nullptr || dest->GetStringLength() == 0)) {
      return std::nullopt;
    }
  }
  return to_json_text(v);
}

Result<FunctionRef> read_function(const rapidjson::Value& v) {
  auto ref = parse_function_name(str(v));
  if (!ref) return invalid("Function does not exist");
  return *ref;
}

// EventSourceArn (an MSK cluster or VPC connection) or SelfManagedEventSource's bootstrap
// servers: exactly one, with no configuration block of the other kind.
Result<Ok> read_event_source(const rapidjson::Document& doc, EventSourceMapping& m) {
  const auto* arn = present(doc, "EventSourceArn");
  const auto* self = present(doc, "SelfManagedEventSource");
  if ((arn == nullptr) == (self == nullptr)) return invalid("Unrecognized event source.");
  if (arn != nullptr) {
    const std::string a = str(*arn);
    if (a.rfind("arn:", 0) != 0 || a.find(":kafka:") == std::string::npos ||
        (a.find(kMskCluster) == std::string::npos &&
         a.find(kMskVpcConnection) == std::string::npos)) {
      return invalid(
          "Unsupported event source: this emulator serves Amazon MSK (arn:aws:kafka:...) and "
          "self-managed Kafka mappings only.");
    }
    m.event_source_arn = a;
    if (present(doc, "SelfManagedKafkaEventSourceConfig")) {
      return unsupported("SelfManagedKafkaEventSourceConfig");
    }
    return Ok{};
  }
  const auto* endpoints = present(*self, "Endpoints");
  const auto* servers = endpoints ? present(*endpoints, "KAFKA_BOOTSTRAP_SERVERS") : nullptr;
  if (servers == nullptr) {
    return invalid(
        "Required 'selfManagedEventSource.endpoints.KAFKA_BOOTSTRAP_SERVERS' parameter is "
        "missing.");
  }
  for (const auto& s : servers->GetArray()) m.bootstrap_servers.push_back(str(s));
  if (present(doc, "AmazonManagedKafkaEventSourceConfig")) {
    return unsupported("AmazonManagedKafkaEventSourceConfig");
  }
  return Ok{};
}

// SourceAccessConfigurations: required for self-managed Kafka, checked for the event source.
Result<Ok> read_access(const rapidjson::Document& doc, EventSourceMapping& m) {
  if (const auto* sacs = present(doc, "SourceAccessConfigurations")) {
    m.source_access_configurations = read_sacs(*sacs);
  }
  if (m.self_managed() && m.source_access_configurations.empty()) {
    return invalid("Required 'sourceAccessConfigurations' parameter is missing.");
  }
  return check_sacs(m.source_access_configurations, m.self_managed());
}

// StartingPosition, and StartingPositionTimestamp exactly when it is AT_TIMESTAMP (not in the
// future).
Result<Ok> read_starting_position(const rapidjson::Document& doc, EventSourceMapping& m) {
  if (const auto* sp = present(doc, "StartingPosition")) m.starting_position = str(*sp);
  if (const auto* ts = present(doc, "StartingPositionTimestamp")) {
    m.starting_position_timestamp = ts->GetDouble();
  }
  if (m.starting_position == "AT_TIMESTAMP") {
    if (!m.starting_position_timestamp) {
      return invalid(
          "StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP.");
    }
    if (*m.starting_position_timestamp > now_epoch_seconds() + 1.0) {
      return invalid("StartingPositionTimestamp cannot be in the future.");
    }
  } else if (m.starting_position_timestamp) {
    return invalid(
        "StartingPositionTimestamp can only be set when StartingPosition is AT_TIMESTAMP.");
  }
  return Ok{};
}

}  // namespace

Result<CreateRequest> parse_create_request(std::string_view body, const RequestContext& ctx) {
  rapidjson::Document doc;
  if (auto r = parse_and_validate(body, "CreateEventSourceMappingRequest", doc); !r.ok()) {
    return r.error();
  }
  CreateRequest req;
  EventSourceMapping& m = req.mapping;
  m.region = ctx.region;
  m.account_id = ctx.account_id;

  if (auto r = read_event_source(doc, m); !r.ok()) return r.error();
  if (auto r = reject_non_kafka(doc); !r.ok()) return r.error();

  auto fn = read_function(doc["FunctionName"]);
  if (!fn.ok()) return fn.error();
  req.function = fn.value();
  m.function_arn = req.function.arn(ctx.region, ctx.account_id);

  const auto* topics = present(doc, "Topics");
  if (topics == nullptr) return invalid("Required 'topics' parameter is missing.");
  for (const auto& t : topics->GetArray()) m.topics.push_back(str(t));

  if (auto r = read_access(doc, m); !r.ok()) return r.error();
  if (auto r = read_starting_position(doc, m); !r.ok()) return r.error();

  if (const auto* b = present(doc, "BatchSize")) m.batch_size = b->GetInt();
  if (const auto* w = present(doc, "MaximumBatchingWindowInSeconds")) {
    m.maximum_batching_window_s = w->GetInt();
  }
  if (const auto* e = present(doc, "Enabled")) m.enabled = e->GetBool();

  const char* block = m.self_managed() ? "SelfManagedKafkaEventSourceConfig"
                                       : "AmazonManagedKafkaEventSourceConfig";
  if (const auto* cfg = present(doc, block)) {
    if (const auto* g = present(*cfg, "ConsumerGroupId")) m.consumer_group_id = str(*g);
    if (const auto* c = present(*cfg, "ConsumptionMode")) m.consumption_mode = str(*c);
    if (const auto* s = present(*cfg, "SchemaRegistryConfig"))
      m.schema_registry_config = to_json_text(*s);
  }
  if (auto r = check_consumption_mode(doc, m, ctx); !r.ok()) return r.error();
  if (const auto* fc = present(doc, "FilterCriteria")) {
    if (auto r = check_filters(*fc); !r.ok()) return r.error();
  }
  for (const char* name : kPassthroughMembers) {
    if (const auto* v = present(doc, name)) {
      if (auto text = passthrough_value(name, *v)) m.passthrough[name] = *text;
    }
  }
  if (auto r = check_combined(m); !r.ok()) return r.error();

  if (const auto* tags = present(doc, "Tags")) {
    for (const auto& t : tags->GetObject()) req.tags[str(t.name)] = str(t.value);
  }
  m.state = *next_state(m.state, MappingEvent::Create, m.enabled);
  m.revision = 1;
  m.last_modified = now_epoch_seconds();
  m.created_at = m.last_modified;
  return req;
}

Result<UpdateRequest> parse_update_request(std::string_view body) {
  rapidjson::Document doc;
  if (auto r = parse_and_validate(body, "UpdateEventSourceMappingRequest", doc); !r.ok()) {
    return r.error();
  }
  if (auto r = reject_non_kafka(doc); !r.ok()) return r.error();
  UpdateRequest u;
  if (const auto* f = present(doc, "FunctionName")) {
    auto fn = read_function(*f);
    if (!fn.ok()) return fn.error();
    u.function = fn.value();
  }
  if (const auto* e = present(doc, "Enabled")) u.enabled = e->GetBool();
  if (const auto* b = present(doc, "BatchSize")) u.batch_size = b->GetInt();
  if (const auto* w = present(doc, "MaximumBatchingWindowInSeconds")) {
    u.maximum_batching_window_s = w->GetInt();
  }
  if (const auto* s = present(doc, "SourceAccessConfigurations"))
    u.source_access_configurations = read_sacs(*s);
  if (const auto* fc = present(doc, "FilterCriteria")) {
    if (auto r = check_filters(*fc); !r.ok()) return r.error();
  }
  for (const char* name : kPassthroughMembers) {
    if (const auto* v = present(doc, name)) u.passthrough[name] = passthrough_value(name, *v);
  }
  for (const char* block :
       {"SelfManagedKafkaEventSourceConfig", "AmazonManagedKafkaEventSourceConfig"}) {
    const auto* cfg = present(doc, block);
    if (cfg == nullptr) continue;
    for (const char* create_only : {"ConsumerGroupId", "ConsumptionMode"}) {
      if (present(*cfg, create_only)) {
        return invalid("Unsupported '" + camel(block) + "." + camel(create_only) +
                       "' parameter for given event source mapping type.");
      }
    }
    u.kafka_block = block;
    if (const auto* s = find(*cfg, "SchemaRegistryConfig")) {
      if (s->IsObject() && s->MemberCount() == 0) {
        u.schema_registry_config = std::optional<std::string>{};
      } else if (!s->IsNull()) {
        u.schema_registry_config = std::optional<std::string>{to_json_text(*s)};
      }
    }
  }
  return u;
}

Result<Ok> apply_update(const UpdateRequest& u, const RequestContext& ctx,
                        EventSourceMapping& mapping) {
  EventSourceMapping m = mapping;
  if (u.kafka_block) {
    const char* own = m.self_managed() ? "SelfManagedKafkaEventSourceConfig"
                                       : "AmazonManagedKafkaEventSourceConfig";
    if (*u.kafka_block != own) return unsupported(*u.kafka_block);
  }
  if (u.function) m.function_arn = u.function->arn(ctx.region, ctx.account_id);
  if (u.batch_size) m.batch_size = *u.batch_size;
  if (u.maximum_batching_window_s) m.maximum_batching_window_s = *u.maximum_batching_window_s;
  if (u.source_access_configurations) {
    if (m.self_managed() && u.source_access_configurations->empty()) {
      return invalid("Required 'sourceAccessConfigurations' parameter is missing.");
    }
    if (auto r = check_sacs(*u.source_access_configurations, m.self_managed()); !r.ok()) {
      return r.error();
    }
    m.source_access_configurations = *u.source_access_configurations;
  }
  for (const auto& [name, value] : u.passthrough) {
    if (value) {
      m.passthrough[name] = *value;
    } else {
      m.passthrough.erase(name);
    }
  }
  if (u.schema_registry_config) m.schema_registry_config = *u.schema_registry_config;
  if (auto r = check_combined(m); !r.ok()) return r.error();

  if (u.enabled) m.enabled = *u.enabled;
  const auto state = next_state(mapping.state, MappingEvent::Update, m.enabled);
  if (!state) {
    return ApiError{ErrorCode::ResourceInUse,
                    "Cannot update the event source mapping because it is in use."};
  }
  m.state = *state;
  ++m.revision;
  m.state_transition_reason = std::string(kUserInitiated);
  m.last_modified = now_epoch_seconds();
  mapping = std::move(m);
  return Ok{};
}

Result<Ok> validate_uuid(std::string_view uuid) {
  std::vector<std::string> failures;
  ShapeModel::get().validate_text("UUIDString", uuid, "uUID", failures);
  if (!failures.empty()) return ApiError{ErrorCode::Validation, validation_message(failures)};
  return Ok{};
}

Result<ListQuery> parse_list_query(const std::multimap<std::string, std::string>& query) {
  ListQuery q;
  std::vector<std::string> failures;
  const auto& model = ShapeModel::get();
  auto one = [&](const char* key) -> const std::string* {
    auto it = query.find(key);
    return it == query.end() ? nullptr : &it->second;
  };
  if (const auto* v = one("EventSourceArn")) {
    model.validate_text("Arn", *v, "eventSourceArn", failures);
    q.event_source_arn = *v;
  }
  if (const auto* v = one("FunctionName")) {
    model.validate_text("NamespacedFunctionName", *v, "functionName", failures);
    if (failures.empty()) {
      auto ref = parse_function_name(*v);
      if (!ref) return invalid("Invalid FunctionName: " + *v);
      q.function = *ref;
    }
  }
  if (const auto* v = one("Marker")) q.marker = *v;
  if (const auto* v = one("MaxItems")) {
    model.validate_text("MaxListItems", *v, "maxItems", failures);
    if (failures.empty()) q.max_items = std::min(std::stoi(*v), 100);
  }
  if (!failures.empty()) return ApiError{ErrorCode::Validation, validation_message(failures)};
  return q;
}

Result<Tags> parse_tag_request(std::string_view body) {
  rapidjson::Document doc;
  if (auto r = parse_and_validate(body, "TagResourceRequest", doc); !r.ok()) return r.error();
  Tags tags;
  for (const auto& t : doc["Tags"].GetObject()) tags[str(t.name)] = str(t.value);
  return tags;
}

Result<std::vector<std::string>> parse_untag_query(
    const std::multimap<std::string, std::string>& query) {
  std::vector<std::string> keys;
  std::vector<std::string> failures;
  auto [lo, hi] = query.equal_range("tagKeys");
  for (auto it = lo; it != hi; ++it) {
    ShapeModel::get().validate_text(
        "TagKey", it->second, "tagKeys." + std::to_string(keys.size() + 1) + ".member", failures);
    keys.push_back(it->second);
  }
  if (keys.empty())
    failures.push_back(
        "Value 'null' at 'tagKeys' failed to satisfy constraint: Member must not be null");
  if (!failures.empty()) return ApiError{ErrorCode::Validation, validation_message(failures)};
  return keys;
}

Result<std::string> mapping_uuid_from_arn(std::string_view arn) {
  std::vector<std::string> failures;
  ShapeModel::get().validate_text("TaggableResource", arn, "resource", failures);
  if (!failures.empty()) return ApiError{ErrorCode::Validation, validation_message(failures)};
  constexpr std::string_view kMarker = ":event-source-mapping:";
  const auto pos = arn.find(kMarker);
  if (pos == std::string_view::npos) {
    return ApiError{ErrorCode::ResourceNotFound, "The resource you requested does not exist."};
  }
  return std::string(arn.substr(pos + kMarker.size()));
}

}  // namespace esm::api_models
