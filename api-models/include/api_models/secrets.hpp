#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_models/error.hpp"
#include "api_models/requests.hpp"

// The Secrets Manager subset (JSON 1.1, X-Amz-Target: secretsmanager.<Op>) that Kafka
// SourceAccessConfigurations resolve against. Constraints follow the Secrets Manager service
// model (botocore secretsmanager/2017-10-17): Name 1..512, SecretId 1..2048, SecretString and
// SecretBinary up to 65,536, ClientRequestToken 32..64, Description up to 2,048, MaxResults
// 1..100, tag keys 1..128 and values up to 256. Messages are Secrets Manager's where known.
namespace esm::api_models {

inline constexpr std::string_view kAwsCurrent = "AWSCURRENT";
inline constexpr std::string_view kAwsPrevious = "AWSPREVIOUS";

struct SecretVersion {
  std::string id;
  std::optional<std::string> string_value;  // SecretString
  std::optional<std::string> binary_value;  // SecretBinary, base64 as the wire carries it
  std::vector<std::string> stages;
  double created = 0;
  bool has_stage(std::string_view stage) const;
  bool same_value(const SecretVersion& other) const {
    return string_value == other.string_value && binary_value == other.binary_value;
  }
};

struct Secret {
  std::string name;
  std::string arn;
  std::optional<std::string> description;
  std::optional<std::string> kms_key_id;
  std::vector<std::pair<std::string, std::string>> tags;
  double created = 0;
  double last_changed = 0;
  std::optional<double> last_accessed;         // a day, as AWS reports it
  std::optional<double> deletion_date;         // set when DeleteSecret scheduled the deletion
  std::optional<std::string> resource_policy;  // PutResourcePolicy's JSON text
  std::vector<SecretVersion> versions;         // only versions that hold a staging label

  const SecretVersion* current() const;
  const SecretVersion* version(std::string_view id) const;
  const SecretVersion* staged(std::string_view stage) const;
  bool scheduled_for_deletion() const { return deletion_date.has_value(); }
  // Adds `v` and moves AWSCURRENT to it when it carries that stage (the old current version
  // becomes AWSPREVIOUS); versions left with no stage are dropped.
  void add_version(SecretVersion v);
  // Records an access (LastAccessedDate is the day, as AWS reports it); true if it changed.
  bool touch(double now);
};

enum class SecretsOp {
  CreateSecret,
  GetSecretValue,
  PutSecretValue,
  DescribeSecret,
  ListSecrets,
  DeleteSecret,
  // secret_admin.hpp: what infrastructure tools call besides (Terraform reads the policy).
  GetResourcePolicy,
  PutResourcePolicy,
  DeleteResourcePolicy,
  ValidateResourcePolicy,
  TagResource,
  UntagResource,
  UpdateSecret,
  ListSecretVersionIds,
  UpdateSecretVersionStage,
  RestoreSecret
};
// "secretsmanager.CreateSecret" -> CreateSecret; nothing for another target.
std::optional<SecretsOp> secrets_op(std::string_view amz_target);

// "arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>"
std::string new_secret_arn(const RequestContext& ctx, const std::string& name);

Result<Secret> parse_create_secret(std::string_view body, const RequestContext& ctx);

struct GetSecretValueRequest {
  std::string secret_id;
  std::optional<std::string> version_id;
  std::optional<std::string> version_stage;
};
Result<GetSecretValueRequest> parse_get_secret_value(std::string_view body);
// The version a GetSecretValue asks for, or the error AWS answers.
Result<SecretVersion> select_version(const Secret& secret, const GetSecretValueRequest& req);

struct PutSecretValueRequest {
  std::string secret_id;
  SecretVersion version;  // id from ClientRequestToken or fresh; stages default AWSCURRENT
};
Result<PutSecretValueRequest> parse_put_secret_value(std::string_view body);
// Adds the version (idempotent for a repeated token with the same value).
Result<Ok> apply_put_secret_value(const PutSecretValueRequest& req, Secret& secret);

Result<std::string> parse_secret_id(std::string_view body);  // DescribeSecret

struct SecretsFilter {
  std::string key;  // description, name, tag-key, tag-value, primary-region, owning-service, all
  std::vector<std::string> values;  // prefixes; a leading '!' negates
};
struct ListSecretsRequest {
  int max_results = 100;
  std::optional<std::int64_t> after_seq;  // from NextToken
  std::vector<SecretsFilter> filters;
  bool include_planned_deletion = false;
  bool descending = false;
};
Result<ListSecretsRequest> parse_list_secrets(std::string_view body);
bool secret_matches(const ListSecretsRequest& req, const Secret& secret);
std::string secrets_next_token(std::int64_t seq);

struct DeleteSecretRequest {
  std::string secret_id;
  int recovery_window_days = 30;
  bool force = false;
};
Result<DeleteSecretRequest> parse_delete_secret(std::string_view body);

// Response bodies.
std::string create_secret_json(const Secret& secret);
std::string secret_value_json(const Secret& secret, const SecretVersion& version);
std::string put_secret_value_json(const Secret& secret, const SecretVersion& version);
std::string describe_secret_json(const Secret& secret);
std::string list_secrets_json(const std::vector<const Secret*>& page, const std::string& next);
std::string delete_secret_json(const Secret& secret);

// Storage form (everything, values included: the store is the one place they may live).
std::string secret_to_storage(const Secret& secret);
Result<Secret> secret_from_storage(std::string_view json);

// Secrets Manager's error shape: 400 (500 for internal errors), {"__type": ..., "Message": ...}.
struct SecretsErrorWire {
  int status;
  std::string_view type;
};
SecretsErrorWire secrets_error_wire(ErrorCode code);
std::string secrets_error_body(const ApiError& error);

}  // namespace esm::api_models
