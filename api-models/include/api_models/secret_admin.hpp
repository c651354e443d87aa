#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_models/error.hpp"
#include "api_models/secrets.hpp"

// The Secrets Manager calls infrastructure tools make besides the data calls of secrets.hpp:
// resource policies (Terraform's aws_secretsmanager_secret reads it on every refresh), tags,
// UpdateSecret, version listing and staging labels, RestoreSecret. Each operation is a parsed
// request, a change applied to the stored secret (nothing changes on error), and a response
// body. Shapes and messages follow the Secrets Manager service model and documentation.
namespace esm::api_models {

// Every request names a secret (SecretId); some carry more.
struct SecretAdminRequest {
  SecretsOp op;
  std::string secret_id;
  std::optional<std::string> resource_policy;             // Put/ValidateResourcePolicy
  bool block_public_policy = false;                       // PutResourcePolicy
  std::vector<std::pair<std::string, std::string>> tags;  // TagResource
  std::vector<std::string> tag_keys;                      // UntagResource
  std::optional<std::string> description;                 // UpdateSecret
  std::optional<std::string> kms_key_id;                  // UpdateSecret
  std::optional<SecretVersion> version;  // UpdateSecret with a new value (stage AWSCURRENT)
  std::string version_stage;             // UpdateSecretVersionStage
  std::optional<std::string> remove_from_version_id;
  std::optional<std::string> move_to_version_id;
  int max_results = 100;   // ListSecretVersionIds
  std::size_t offset = 0;  // ListSecretVersionIds' NextToken
};

// ValidateResourcePolicy's SecretId is optional: secret_id stays empty without it.
Result<SecretAdminRequest> parse_secret_admin(SecretsOp op, std::string_view body);

// True for the operations that only read (Get/ValidateResourcePolicy, ListSecretVersionIds).
bool secret_admin_reads_only(SecretsOp op);

// Applies the request to `secret` (write operations only).
Result<Ok> apply_secret_admin(const SecretAdminRequest& req, Secret& secret);

// The response body of the operation on the secret as it is now (null for
// ValidateResourcePolicy without a secret).
std::string secret_admin_json(const SecretAdminRequest& req, const Secret* secret);

// Problems ValidateResourcePolicy reports (and PutResourcePolicy refuses with
// BlockPublicPolicy): a statement that allows everyone.
std::vector<std::string> public_access_findings(std::string_view policy);

}  // namespace esm::api_models
