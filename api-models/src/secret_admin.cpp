#include "api_models/secret_admin.hpp"

#include <algorithm>

#include "api_models/mapping.hpp"
#include "json_util.hpp"
#include "secrets_parse.hpp"

namespace esm::api_models {

using namespace secrets_parse;  // NOLINT(google-build-using-namespace)

namespace {

constexpr std::size_t kMaxPolicy = 20480;
constexpr std::string_view kVersionsToken = "esmsmv1.";

ApiError malformed_policy() {
  return ApiError{ErrorCode::MalformedPolicyDocument,
                  "This resource policy contains a syntax error."};
}

// A resource policy is a JSON object whose Statement (one or a list) has an Effect each.
Result<Ok> check_policy_syntax(std::string_view text) {
  rapidjson::Document doc;
  if (!parse_json(text, doc).ok() || !doc.IsObject()) return malformed_policy();
  const auto* statement = find(doc, "Statement");
  if (statement == nullptr) return malformed_policy();
  auto check = [](const rapidjson::Value& st) {
    const auto* effect = st.IsObject() ? find(st, "Effect") : nullptr;
    return effect != nullptr && effect->IsString() &&
           (str(*effect) == "Allow" || str(*effect) == "Deny");
  };
  if (statement->IsArray()) {
    if (statement->Empty()) return malformed_policy();
    for (const auto& st : statement->GetArray()) {
      if (!check(st)) return malformed_policy();
    }
    return Ok{};
  }
  return check(*statement) ? Result<Ok>(Ok{}) : Result<Ok>(malformed_policy());
}

bool is_everyone(const rapidjson::Value& principal) {
  if (principal.IsString()) return str(principal) == "*";
  if (!principal.IsObject()) return false;
  const auto* aws = find(principal, "AWS");
  if (aws == nullptr) return false;
  if (aws->IsString()) return str(*aws) == "*";
  if (!aws->IsArray()) return false;
  return std::any_of(aws->Begin(), aws->End(),
                     [](const rapidjson::Value& v) { return v.IsString() && str(v) == "*"; });
}

Result<Ok> read_policy(const rapidjson::Value& d, SecretAdminRequest& r) {
  auto policy = required_string(d, "ResourcePolicy", 1, kMaxPolicy);
  if (!policy.ok()) return policy.error();
  if (auto syntax = check_policy_syntax(policy.value()); !syntax.ok()) return syntax.error();
  r.resource_policy = std::move(policy.value());
  return Ok{};
}

Result<Ok> read_tag_keys(const rapidjson::Value& d, SecretAdminRequest& r) {
  const auto* keys = find(d, "TagKeys");
  if (keys == nullptr || keys->IsNull()) return validation("tagKeys", "not be null");
  if (!keys->IsArray()) {
    return ApiError{ErrorCode::InvalidRequestContent, "TagKeys must be a list of strings."};
  }
  for (const auto& k : keys->GetArray()) {
    if (!k.IsString() || k.GetStringLength() < 1 || utf16_length(str(k)) > 128) {
      return validation("tagKeys.member", "have length between 1 and 128");
    }
    r.tag_keys.push_back(str(k));
  }
  return Ok{};
}

Result<Ok> read_update_secret(const rapidjson::Value& d, SecretAdminRequest& r) {
  auto description = opt_string(d, "Description", 0, kMaxDescription);
  if (!description.ok()) return description.error();
  r.description = std::move(description.value());
  auto kms = opt_string(d, "KmsKeyId", 0, 2048);
  if (!kms.ok()) return kms.error();
  r.kms_key_id = std::move(kms.value());
  SecretVersion v;
  if (auto value = read_value(d, v); !value.ok()) return value.error();
  if (!v.string_value && !v.binary_value) return Ok{};
  auto token = read_token(d);
  if (!token.ok()) return token.error();
  v.id = std::move(token.value());
  v.stages.emplace_back(kAwsCurrent);
  v.created = now_epoch_seconds();
  r.version = std::move(v);
  return Ok{};
}

Result<Ok> read_version_stage(const rapidjson::Value& d, SecretAdminRequest& r) {
  auto stage = required_string(d, "VersionStage", 1, 256);
  if (!stage.ok()) return stage.error();
  r.version_stage = std::move(stage.value());
  auto from = opt_string(d, "RemoveFromVersionId", kMinToken, kMaxToken);
  if (!from.ok()) return from.error();
  r.remove_from_version_id = std::move(from.value());
  auto to = opt_string(d, "MoveToVersionId", kMinToken, kMaxToken);
  if (!to.ok()) return to.error();
  r.move_to_version_id = std::move(to.value());
  return Ok{};
}

Result<Ok> read_version_listing(const rapidjson::Value& d, SecretAdminRequest& r) {
  auto max = read_max_results(d, r.max_results);
  if (!max.ok()) return max.error();
  r.max_results = max.value();
  auto token = read_page_token(d, kVersionsToken, 6, "The NextToken value is not valid.");
  if (!token.ok()) return token.error();
  if (token.value()) r.offset = static_cast<std::size_t>(*token.value());
  auto deprecated = opt_bool(d, "IncludeDeprecated");
  if (!deprecated.ok()) return deprecated.error();
  return Ok{};
}

// The operation's own members, after SecretId.
Result<Ok> read_members(const rapidjson::Value& d, SecretAdminRequest& r) {
  switch (r.op) {
    case SecretsOp::PutResourcePolicy: {
      auto block = opt_bool(d, "BlockPublicPolicy");
      if (!block.ok()) return block.error();
      r.block_public_policy = block.value().value_or(false);
      return read_policy(d, r);
    }
    case SecretsOp::ValidateResourcePolicy:
      return read_policy(d, r);
    case SecretsOp::TagResource: {
      const auto* tags = find(d, "Tags");
      if (tags == nullptr || tags->IsNull()) return validation("tags", "not be null");
      auto read = read_tags(*tags);
      if (!read.ok()) return read.error();
      r.tags = std::move(read.value());
      return Ok{};
    }
    case SecretsOp::UntagResource:
      return read_tag_keys(d, r);
    case SecretsOp::UpdateSecret:
      return read_update_secret(d, r);
    case SecretsOp::UpdateSecretVersionStage:
      return read_version_stage(d, r);
    case SecretsOp::ListSecretVersionIds:
      return read_version_listing(d, r);
    default:
      return Ok{};
  }
}

Result<Ok> add_tags(const SecretAdminRequest& req, Secret& s) {
  auto tags = s.tags;
  for (const auto& tag : req.tags) {  // (no structured binding: clang 14 cannot capture one)
    auto it =
        std::find_if(tags.begin(), tags.end(), [&](const auto& t) { return t.first == tag.first; });
    if (it != tags.end()) {
      it->second = tag.second;
    } else {
      tags.push_back(tag);
    }
  }
  if (tags.size() > kMaxTags) {
    return invalid_parameter("You can attach at most 50 tags to a secret.");
  }
  s.tags = std::move(tags);
  return Ok{};
}

Result<Ok> update_secret(const SecretAdminRequest& req, Secret& s) {
  if (s.scheduled_for_deletion()) return marked_for_deletion();
  if (req.version) {
    if (const auto* existing = s.version(req.version->id)) {
      if (!existing->same_value(*req.version)) {
        return ApiError{ErrorCode::ResourceExists,
                        "You can't modify an existing version, you can only create a new "
                        "version."};
      }
    } else {
      s.add_version(*req.version);
    }
  }
  if (req.description) s.description = req.description;
  if (req.kms_key_id) s.kms_key_id = req.kms_key_id;
  s.last_changed = now_epoch_seconds();
  return Ok{};
}

// Staging labels (UpdateSecretVersionStage): a label names one version at a time; moving
// AWSCURRENT leaves AWSPREVIOUS on the version that had it. Versions left without a label are
// dropped (this emulator keeps no deprecated versions).
Result<Ok> move_stage(const SecretAdminRequest& req, Secret& s) {
  if (s.scheduled_for_deletion()) return marked_for_deletion();
  const std::string& stage = req.version_stage;
  const SecretVersion* holder = s.staged(stage);
  if (req.move_to_version_id && s.version(*req.move_to_version_id) == nullptr) {
    return ApiError{
        ErrorCode::ResourceNotFound,
        "Secrets Manager can't find the specified secret version: " + *req.move_to_version_id};
  }
  if (req.remove_from_version_id &&
      (holder == nullptr || holder->id != *req.remove_from_version_id)) {
    return invalid_parameter("The staging label " + stage + " is not attached to version " +
                             *req.remove_from_version_id + ".");
  }
  if (req.move_to_version_id && holder != nullptr && holder->id != *req.move_to_version_id &&
      !req.remove_from_version_id) {
    return invalid_parameter("The parameter RemoveFromVersionId can't be empty. Staging label " +
                             stage + " is currently attached to version " + holder->id +
                             ", so you must explicitly reference that version in "
                             "RemoveFromVersionId.");
  }
  if (stage == kAwsCurrent && !req.move_to_version_id) {
    return invalid_parameter(
        "You can only move staging label AWSCURRENT to a different secret version. It can't be "
        "completely removed.");
  }
  if (!req.move_to_version_id) {
    for (auto& v : s.versions) std::erase(v.stages, stage);
    std::erase_if(s.versions, [](const SecretVersion& v) { return v.stages.empty(); });
    return Ok{};
  }
  auto it = std::find_if(s.versions.begin(), s.versions.end(),
                         [&](const SecretVersion& v) { return v.id == *req.move_to_version_id; });
  if (it->has_stage(stage)) return Ok{};
  SecretVersion moved = *it;
  s.versions.erase(it);
  moved.stages.push_back(stage);
  if (stage == kAwsCurrent) std::erase(moved.stages, std::string(kAwsPrevious));  // a rollback
  s.add_version(std::move(moved));  // takes the label from its holder; AWSCURRENT leaves PREVIOUS
  s.last_changed = now_epoch_seconds();
  return Ok{};
}

void write_arn_name(JsonWriter& w, const Secret& s) {
  w.key("ARN").string(s.arn).key("Name").string(s.name);
}

std::string versions_json(const SecretAdminRequest& req, const Secret& s) {
  JsonWriter w;
  w.start_object().key("Versions").start_array();
  const std::size_t end = std::min(s.versions.size(), req.offset + req.max_results);
  for (std::size_t i = req.offset; i < end; ++i) {
    const auto& v = s.versions[i];
    w.start_object().key("VersionId").string(v.id).key("VersionStages").start_array();
    for (const auto& st : v.stages) w.string(st);
    w.end_array().key("CreatedDate").number(v.created).end_object();
  }
  w.end_array();
  if (end < s.versions.size()) {
    w.key("NextToken").string(std::string(kVersionsToken) + std::to_string(end));
  }
  write_arn_name(w, s);
  w.end_object();
  return w.take();
}

}  // namespace

Result<SecretAdminRequest> parse_secret_admin(SecretsOp op, std::string_view body) {
  auto doc = parse_object(body);
  if (!doc.ok()) return doc.error();
  const auto& d = doc.value();
  SecretAdminRequest r;
  r.op = op;
  if (op == SecretsOp::ValidateResourcePolicy) {
    auto id = opt_string(d, "SecretId", 1, kMaxSecretId);
    if (!id.ok()) return id.error();
    r.secret_id = id.value().value_or("");
  } else {
    auto id = required_string(d, "SecretId", 1, kMaxSecretId);
    if (!id.ok()) return id.error();
    r.secret_id = std::move(id.value());
  }
  if (auto members = read_members(d, r); !members.ok()) return members.error();
  return r;
}

bool secret_admin_reads_only(SecretsOp op) {
  return op == SecretsOp::GetResourcePolicy || op == SecretsOp::ValidateResourcePolicy ||
         op == SecretsOp::ListSecretVersionIds;
}

Result<Ok> apply_secret_admin(const SecretAdminRequest& req, Secret& s) {
  switch (req.op) {
    case SecretsOp::PutResourcePolicy:
      if (s.scheduled_for_deletion()) return marked_for_deletion();
      if (req.block_public_policy && !public_access_findings(*req.resource_policy).empty()) {
        return ApiError{ErrorCode::PublicPolicy,
                        "This resource policy grants public access to the secret, and "
                        "BlockPublicPolicy is set."};
      }
      s.resource_policy = req.resource_policy;
      return Ok{};
    case SecretsOp::DeleteResourcePolicy:
      s.resource_policy.reset();
      return Ok{};
    case SecretsOp::TagResource:
      return add_tags(req, s);
    case SecretsOp::UntagResource:
      std::erase_if(s.tags, [&](const auto& t) {
        return std::find(req.tag_keys.begin(), req.tag_keys.end(), t.first) != req.tag_keys.end();
      });
      return Ok{};
    case SecretsOp::UpdateSecret:
      return update_secret(req, s);
    case SecretsOp::UpdateSecretVersionStage:
      return move_stage(req, s);
    case SecretsOp::RestoreSecret:
      s.deletion_date.reset();
      return Ok{};
    default:
      return Ok{};
  }
}

std::string secret_admin_json(const SecretAdminRequest& req, const Secret* s) {
  JsonWriter w;
  switch (req.op) {
    case SecretsOp::TagResource:
    case SecretsOp::UntagResource:
      return "{}";
    case SecretsOp::ListSecretVersionIds:
      return versions_json(req, *s);
    case SecretsOp::ValidateResourcePolicy: {
      const auto findings = public_access_findings(*req.resource_policy);
      w.start_object().key("PolicyValidationPassed").boolean(findings.empty());
      w.key("ValidationErrors").start_array();
      for (const auto& f : findings) {
        w.start_object().key("CheckName").string("PUBLIC_ACCESS").key("ErrorMessage").string(f);
        w.end_object();
      }
      w.end_array().end_object();
      return w.take();
    }
    default:
      break;
  }
  w.start_object();
  write_arn_name(w, *s);
  if (req.op == SecretsOp::GetResourcePolicy && s->resource_policy) {
    w.key("ResourcePolicy").string(*s->resource_policy);
  }
  if (req.op == SecretsOp::UpdateSecret && req.version) w.key("VersionId").string(req.version->id);
  w.end_object();
  return w.take();
}

std::vector<std::string> public_access_findings(std::string_view policy) {
  std::vector<std::string> out;
  rapidjson::Document doc;
  if (!parse_json(policy, doc).ok() || !doc.IsObject()) return out;
  const auto* statement = find(doc, "Statement");
  if (statement == nullptr) return out;
  auto look = [&](const rapidjson::Value& st, std::size_t index) {
    if (!st.IsObject()) return;
    const auto* effect = find(st, "Effect");
    const auto* principal = find(st, "Principal");
    if (effect != nullptr && effect->IsString() && str(*effect) == "Allow" &&
        principal != nullptr && is_everyone(*principal)) {
      out.push_back("Statement " + std::to_string(index) + " allows any principal (\"*\").");
    }
  };
  if (statement->IsArray()) {
    for (rapidjson::SizeType i = 0; i < statement->Size(); ++i) look((*statement)[i], i);
  } else {
    look(*statement, 0);
  }
  return out;
}

}  // namespace esm::api_models
