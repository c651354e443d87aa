#include "api_models/secrets.hpp"

#include <algorithm>
#include <ctime>
#include <random>

#include "api_models/mapping.hpp"
#include "api_models/uuid.hpp"
#include "json_util.hpp"
#include "secrets_parse.hpp"

namespace esm::api_models {

using namespace secrets_parse;  // NOLINT(google-build-using-namespace)

namespace {

bool valid_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("/_+=.@-!").find(c) != std::string_view::npos;
  });
}

double start_of_day(double epoch_s) {
  constexpr double kDay = 86400;
  return static_cast<double>(static_cast<std::int64_t>(epoch_s / kDay)) * kDay;
}

void write_tags(JsonWriter& w, const Secret& s) {
  if (s.tags.empty()) return;
  w.key("Tags").start_array();
  for (const auto& [k, v] : s.tags) {
    w.start_object().key("Key").string(k).key("Value").string(v).end_object();
  }
  w.end_array();
}

void write_stage_map(JsonWriter& w, std::string_view key, const Secret& s) {
  w.key(key).start_object();
  for (const auto& v : s.versions) {
    w.key(v.id).start_array();
    for (const auto& st : v.stages) w.string(st);
    w.end_array();
  }
  w.end_object();
}

void write_summary(JsonWriter& w, const Secret& s, std::string_view versions_key) {
  w.key("ARN").string(s.arn).key("Name").string(s.name);
  if (s.description) w.key("Description").string(*s.description);
  if (s.kms_key_id) w.key("KmsKeyId").string(*s.kms_key_id);
  w.key("LastChangedDate").number(s.last_changed);
  if (s.last_accessed) w.key("LastAccessedDate").number(*s.last_accessed);
  if (s.deletion_date) w.key("DeletedDate").number(*s.deletion_date);
  write_tags(w, s);
  write_stage_map(w, versions_key, s);
  w.key("CreatedDate").number(s.created);
}

bool prefix_match(std::string_view text, const std::vector<std::string>& values) {
  for (const auto& raw : values) {
    const bool negate = !raw.empty() && raw[0] == '!';
    const std::string_view want = negate ? std::string_view(raw).substr(1) : std::string_view(raw);
    const bool hit = text.substr(0, want.size()) == want;
    if (hit != negate) return true;
  }
  return false;
}

}  // namespace

bool SecretVersion::has_stage(std::string_view stage) const {
  return std::find(stages.begin(), stages.end(), stage) != stages.end();
}

const SecretVersion* Secret::current() const { return staged(kAwsCurrent); }

const SecretVersion* Secret::version(std::string_view id) const {
  for (const auto& v : versions) {
    if (v.id == id) return &v;
  }
  return nullptr;
}

const SecretVersion* Secret::staged(std::string_view stage) const {
  for (const auto& v : versions) {
    if (v.has_stage(stage)) return &v;
  }
  return nullptr;
}

void Secret::add_version(SecretVersion v) {
  if (v.has_stage(kAwsCurrent)) {
    auto cur = std::find_if(versions.begin(), versions.end(),
                            [](const SecretVersion& old) { return old.has_stage(kAwsCurrent); });
    if (cur != versions.end()) {
      for (auto& old : versions) std::erase(old.stages, std::string(kAwsPrevious));
      cur->stages.emplace_back(kAwsPrevious);  // the version current until now
    }
  }
  for (auto& old : versions) {
    // A stage names one version at a time: the new version takes each of its stages.
    std::erase_if(old.stages, [&](const std::string& st) { return v.has_stage(st); });
  }
  std::erase_if(versions, [](const SecretVersion& old) { return old.stages.empty(); });
  last_changed = v.created;
  versions.push_back(std::move(v));
}

bool Secret::touch(double now) {
  const double day = start_of_day(now);
  if (last_accessed == day) return false;
  last_accessed = day;
  return true;
}

std::optional<SecretsOp> secrets_op(std::string_view target) {
  constexpr std::string_view kPrefix = "secretsmanager.";
  if (target.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const auto op = target.substr(kPrefix.size());
  static constexpr std::pair<std::string_view, SecretsOp> kOps[] = {
      {"CreateSecret", SecretsOp::CreateSecret},
      {"GetSecretValue", SecretsOp::GetSecretValue},
      {"PutSecretValue", SecretsOp::PutSecretValue},
      {"DescribeSecret", SecretsOp::DescribeSecret},
      {"ListSecrets", SecretsOp::ListSecrets},
      {"DeleteSecret", SecretsOp::DeleteSecret},
      {"GetResourcePolicy", SecretsOp::GetResourcePolicy},
      {"PutResourcePolicy", SecretsOp::PutResourcePolicy},
      {"DeleteResourcePolicy", SecretsOp::DeleteResourcePolicy},
      {"ValidateResourcePolicy", SecretsOp::ValidateResourcePolicy},
      {"TagResource", SecretsOp::TagResource},
      {"UntagResource", SecretsOp::UntagResource},
      {"UpdateSecret", SecretsOp::UpdateSecret},
      {"ListSecretVersionIds", SecretsOp::ListSecretVersionIds},
      {"UpdateSecretVersionStage", SecretsOp::UpdateSecretVersionStage},
      {"RestoreSecret", SecretsOp::RestoreSecret},
  };
  for (const auto& [name, value] : kOps) {
    if (op == name) return value;
  }
  return std::nullopt;
}

std::string new_secret_arn(const RequestContext& ctx, const std::string& name) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string suffix;
  for (int i = 0; i < 6; ++i) suffix.push_back(kChars[rng() % (sizeof kChars - 1)]);
  return "arn:aws:secretsmanager:" + ctx.region + ":" + ctx.account_id + ":secret:" + name + "-" +
         suffix;
}

Result<Secret> parse_create_secret(std::string_view body, const RequestContext& ctx) {
  auto doc = parse_object(body);
  if (!doc.ok()) return doc.error();
  const auto& d = doc.value();
  Secret s;
  auto name = required_string(d, "Name", 1, kMaxName);
  if (!name.ok()) return name.error();
  s.name = std::move(name.value());
  if (!valid_name(s.name)) {
    return ApiError{ErrorCode::Validation,
                    "Invalid name. Must be a valid name containing alphanumeric characters, or "
                    "any of the following: -/_+=.@!"};
  }
  auto description = opt_string(d, "Description", 0, kMaxDescription);
  if (!description.ok()) return description.error();
  s.description = std::move(description.value());
  auto kms = opt_string(d, "KmsKeyId", 0, 2048);
  if (!kms.ok()) return kms.error();
  s.kms_key_id = std::move(kms.value());
  auto token = read_token(d);
  if (!token.ok()) return token.error();
  if (const auto* tags = find(d, "Tags"); tags != nullptr && !tags->IsNull()) {
    auto read = read_tags(*tags);
    if (!read.ok()) return read.error();
    s.tags = std::move(read.value());
  }
  SecretVersion v;
  if (auto r = read_value(d, v); !r.ok()) return r.error();
  s.created = now_epoch_seconds();
  s.last_changed = s.created;
  s.arn = new_secret_arn(ctx, s.name);
  if (v.string_value || v.binary_value) {
    v.id = std::move(token.value());
    v.created = s.created;
    v.stages.emplace_back(kAwsCurrent);
    s.versions.push_back(std::move(v));
  }
  return s;
}

Result<GetSecretValueRequest> parse_get_secret_value(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc.ok()) return doc.error();
  GetSecretValueRequest r;
  auto id = required_string(doc.value(), "SecretId", 1, kMaxSecretId);
  if (!id.ok()) return id.error();
  r.secret_id = std::move(id.value());
  auto vid = opt_string(doc.value(), "VersionId", kMinToken, kMaxToken);
  if (!vid.ok()) return vid.error();
  r.version_id = std::move(vid.value());
  auto stage = opt_string(doc.value(), "VersionStage", 1, 256);
  if (!stage.ok()) return stage.error();
  r.version_stage = std::move(stage.value());
  return r;
}

Result<SecretVersion> select_version(const Secret& secret, const GetSecretValueRequest& req) {
  if (secret.scheduled_for_deletion()) return marked_for_deletion();
  const std::string stage = req.version_stage.value_or(std::string(kAwsCurrent));
  const SecretVersion* v = nullptr;
  if (req.version_id) {
    v = secret.version(*req.version_id);
    if (v != nullptr && req.version_stage && !v->has_stage(*req.version_stage)) {
      return invalid_parameter(
          "You provided a VersionStage that is not associated to the provided "
          "VersionId.");
    }
    if (v == nullptr) {
      return ApiError{ErrorCode::ResourceNotFound,
                      "Secrets Manager can't find the specified secret value for VersionId: " +
                          *req.version_id};
    }
    return *v;
  }
  v = secret.staged(stage);
  if (v == nullptr) {
    return ApiError{
        ErrorCode::ResourceNotFound,
        "Secrets Manager can't find the specified secret value for staging label: " + stage};
  }
  return *v;
}

Result<PutSecretValueRequest> parse_put_secret_value(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc.ok()) return doc.error();
  const auto& d = doc.value();
  PutSecretValueRequest r;
  auto id = required_string(d, "SecretId", 1, kMaxSecretId);
  if (!id.ok()) return id.error();
  r.secret_id = std::move(id.value());
  auto token = read_token(d);
  if (!token.ok()) return token.error();
  r.version.id = std::move(token.value());
  if (auto v = read_value(d, r.version); !v.ok()) return v.error();
  if (!r.version.string_value && !r.version.binary_value) {
    return invalid_parameter("You must provide either SecretString or SecretBinary.");
  }
  if (const auto* stages = find(d, "VersionStages"); stages != nullptr && !stages->IsNull()) {
    if (!stages->IsArray() || stages->Size() < 1 || stages->Size() > 20) {
      return validation("versionStages", "have length between 1 and 20");
    }
    for (const auto& st : stages->GetArray()) {
      if (!st.IsString() || st.GetStringLength() < 1 || st.GetStringLength() > 256) {
        return validation("versionStages.member", "have length between 1 and 256");
      }
      r.version.stages.push_back(str(st));
    }
  } else {
    r.version.stages.emplace_back(kAwsCurrent);
  }
  r.version.created = now_epoch_seconds();
  return r;
}

Result<Ok> apply_put_secret_value(const PutSecretValueRequest& req, Secret& secret) {
  if (secret.scheduled_for_deletion()) return marked_for_deletion();
  if (const auto* existing = secret.version(req.version.id)) {
    if (existing->same_value(req.version)) return Ok{};  // a retried request
    return ApiError{ErrorCode::ResourceExists,
                    "You can't modify an existing version, you can only create a new version."};
  }
  secret.add_version(req.version);
  return Ok{};
}

Result<std::string> parse_secret_id(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc.ok()) return doc.error();
  return required_string(doc.value(), "SecretId", 1, kMaxSecretId);
}

Result<ListSecretsRequest> parse_list_secrets(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc.ok()) return doc.error();
  const auto& d = doc.value();
  ListSecretsRequest r;
  auto max = read_max_results(d, r.max_results);
  if (!max.ok()) return max.error();
  r.max_results = max.value();
  auto token = read_page_token(d, kTokenPrefix, 18, "Invalid NextToken.");
  if (!token.ok()) return token.error();
  r.after_seq = token.value();
  auto planned = opt_bool(d, "IncludePlannedDeletion");
  if (!planned.ok()) return planned.error();
  r.include_planned_deletion = planned.value().value_or(false);
  auto order = opt_string(d, "SortOrder", 0, 16);
  if (!order.ok()) return order.error();
  if (order.value()) {
    if (*order.value() != "asc" && *order.value() != "desc")
      return validation("sortOrder", "satisfy enum value set: [asc, desc]");
    r.descending = *order.value() == "desc";
  }
  if (const auto* filters = find(d, "Filters"); filters != nullptr && !filters->IsNull()) {
    if (!filters->IsArray() || filters->Size() > 10) {
      return validation("filters", "have length less than or equal to 10");
    }
    static constexpr std::string_view kKeys[] = {
        "description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"};
    for (const auto& f : filters->GetArray()) {
      SecretsFilter filter;
      auto key = opt_string(f, "Key", 0, 32);
      if (!key.ok()) return key.error();
      filter.key = key.value().value_or("");
      if (std::find(std::begin(kKeys), std::end(kKeys), filter.key) == std::end(kKeys)) {
        return validation("filters.member.key",
                          "satisfy enum value set: [description, name, tag-key, tag-value, "
                          "primary-region, owning-service, all]");
      }
      const auto* values = find(f, "Values");
      if (values == nullptr || !values->IsArray() || values->Size() < 1 || values->Size() > 10) {
        return validation("filters.member.values", "have length between 1 and 10");
      }
      for (const auto& v : values->GetArray()) {
        if (!v.IsString() || v.GetStringLength() < 1 || v.GetStringLength() > 512) {
          return validation("filters.member.values.member", "have length between 1 and 512");
        }
        filter.values.push_back(str(v));
      }
      r.filters.push_back(std::move(filter));
    }
  }
  return r;
}

bool secret_matches(const ListSecretsRequest& req, const Secret& s) {
  if (s.scheduled_for_deletion() && !req.include_planned_deletion) return false;
  for (const auto& f : req.filters) {
    bool hit = false;
    const std::string description = s.description.value_or("");
    if (f.key == "name" || f.key == "all") hit = hit || prefix_match(s.name, f.values);
    if (f.key == "description" || f.key == "all") hit = hit || prefix_match(description, f.values);
    for (const auto& [k, v] : s.tags) {
      if (f.key == "tag-key" || f.key == "all") hit = hit || prefix_match(k, f.values);
      if (f.key == "tag-value" || f.key == "all") hit = hit || prefix_match(v, f.values);
    }
    if (!hit) return false;  // filters combine with AND
  }
  return true;
}

std::string secrets_next_token(std::int64_t seq) {
  return std::string(kTokenPrefix) + std::to_string(seq);
}

Result<DeleteSecretRequest> parse_delete_secret(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc.ok()) return doc.error();
  const auto& d = doc.value();
  DeleteSecretRequest r;
  auto id = required_string(d, "SecretId", 1, kMaxSecretId);
  if (!id.ok()) return id.error();
  r.secret_id = std::move(id.value());
  auto window = opt_int(d, "RecoveryWindowInDays");
  if (!window.ok()) return window.error();
  auto force = opt_bool(d, "ForceDeleteWithoutRecovery");
  if (!force.ok()) return force.error();
  r.force = force.value().value_or(false);
  if (window.value() && r.force) {
    return invalid_parameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  if (window.value()) {
    if (*window.value() < 7 || *window.value() > 30) {
      return invalid_parameter(
          "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    }
    r.recovery_window_days = static_cast<int>(*window.value());
  }
  return r;
}

std::string create_secret_json(const Secret& s) {
  JsonWriter w;
  w.start_object().key("ARN").string(s.arn).key("Name").string(s.name);
  if (const auto* v = s.current()) w.key("VersionId").string(v->id);
  w.end_object();
  return w.take();
}

std::string secret_value_json(const Secret& s, const SecretVersion& v) {
  JsonWriter w;
  w.start_object().key("ARN").string(s.arn).key("Name").string(s.name);
  w.key("VersionId").string(v.id);
  if (v.string_value) w.key("SecretString").string(*v.string_value);
  if (v.binary_value) w.key("SecretBinary").string(*v.binary_value);
  w.key("VersionStages").start_array();
  for (const auto& st : v.stages) w.string(st);
  w.end_array();
  w.key("CreatedDate").number(v.created);
  w.end_object();
  return w.take();
}

std::string put_secret_value_json(const Secret& s, const SecretVersion& v) {
  JsonWriter w;
  w.start_object().key("ARN").string(s.arn).key("Name").string(s.name);
  w.key("VersionId").string(v.id).key("VersionStages").start_array();
  for (const auto& st : v.stages) w.string(st);
  w.end_array().end_object();
  return w.take();
}

std::string describe_secret_json(const Secret& s) {
  JsonWriter w;
  w.start_object();
  write_summary(w, s, "VersionIdsToStages");
  w.end_object();
  return w.take();
}

std::string list_secrets_json(const std::vector<const Secret*>& page, const std::string& next) {
  JsonWriter w;
  w.start_object().key("SecretList").start_array();
  for (const auto* s : page) {
    w.start_object();
    write_summary(w, *s, "SecretVersionsToStages");
    w.end_object();
  }
  w.end_array();
  if (!next.empty()) w.key("NextToken").string(next);
  w.end_object();
  return w.take();
}

std::string delete_secret_json(const Secret& s) {
  JsonWriter w;
  w.start_object().key("ARN").string(s.arn).key("Name").string(s.name);
  w.key("DeletionDate").number(s.deletion_date.value_or(now_epoch_seconds()));
  w.end_object();
  return w.take();
}

std::string secret_to_storage(const Secret& s) {
  JsonWriter w;
  w.start_object();
  w.key("Name").string(s.name).key("ARN").string(s.arn);
  if (s.description) w.key("Description").string(*s.description);
  if (s.kms_key_id) w.key("KmsKeyId").string(*s.kms_key_id);
  write_tags(w, s);
  w.key("CreatedDate").number(s.created).key("LastChangedDate").number(s.last_changed);
  if (s.last_accessed) w.key("LastAccessedDate").number(*s.last_accessed);
  if (s.deletion_date) w.key("DeletionDate").number(*s.deletion_date);
  if (s.resource_policy) w.key("ResourcePolicy").string(*s.resource_policy);
  w.key("Versions").start_array();
  for (const auto& v : s.versions) {
    w.start_object().key("VersionId").string(v.id);
    if (v.string_value) w.key("SecretString").string(*v.string_value);
    if (v.binary_value) w.key("SecretBinary").string(*v.binary_value);
    w.key("Stages").start_array();
    for (const auto& st : v.stages) w.string(st);
    w.end_array().key("CreatedDate").number(v.created).end_object();
  }
  w.end_array().end_object();
  return w.take();
}

Result<Secret> secret_from_storage(std::string_view json) {
  rapidjson::Document d;
  if (auto r = parse_json(json, d); !r.ok() || !d.IsObject()) {
    return ApiError{ErrorCode::Service, "A stored secret could not be read."};
  }
  Secret s;
  s.name = opt_str(d, "Name").value_or("");
  s.arn = opt_str(d, "ARN").value_or("");
  s.description = opt_str(d, "Description");
  s.kms_key_id = opt_str(d, "KmsKeyId");
  if (const auto* tags = find(d, "Tags"); tags != nullptr && tags->IsArray()) {
    for (const auto& t : tags->GetArray())
      s.tags.emplace_back(opt_str(t, "Key").value_or(""), opt_str(t, "Value").value_or(""));
  }
  s.created = opt_num(d, "CreatedDate").value_or(0);
  s.last_changed = opt_num(d, "LastChangedDate").value_or(0);
  s.last_accessed = opt_num(d, "LastAccessedDate");
  s.deletion_date = opt_num(d, "DeletionDate");
  s.resource_policy = opt_str(d, "ResourcePolicy");
  if (const auto* versions = find(d, "Versions"); versions != nullptr && versions->IsArray()) {
    for (const auto& item : versions->GetArray()) {
      SecretVersion v;
      v.id = opt_str(item, "VersionId").value_or("");
      v.string_value = opt_str(item, "SecretString");
      v.binary_value = opt_str(item, "SecretBinary");
      if (const auto* st = find(item, "Stages"); st != nullptr && st->IsArray()) {
        for (const auto& x : st->GetArray()) {
          if (x.IsString()) v.stages.push_back(str(x));
        }
      }
      v.created = opt_num(item, "CreatedDate").value_or(0);
      s.versions.push_back(std::move(v));
    }
  }
  if (s.name.empty() || s.arn.empty()) {
    return ApiError{ErrorCode::Service, "A stored secret could not be read."};
  }
  return s;
}

SecretsErrorWire secrets_error_wire(ErrorCode code) {
  using enum ErrorCode;
  switch (code) {
    case InvalidRequestContent:
      return {400, "SerializationException"};
    case UnknownOperation:
    case MethodNotAllowed:
      return {400, "UnknownOperationException"};
    case Service:
      return {500, "InternalServiceError"};
    default:
      break;
  }
  const auto info = error_info(code);
  const int status = info.http_status;
  return {status >= 500 ? 500 : (status == 413 || status == 403 ? status : 400), info.aws_type};
}

std::string secrets_error_body(const ApiError& error) {
  JsonWriter w;
  w.start_object()
      .key("__type")
      .string(secrets_error_wire(error.code).type)
      .key("Message")
      .string(error.message)
      .end_object();
  return w.take();
}

}  // namespace esm::api_models
