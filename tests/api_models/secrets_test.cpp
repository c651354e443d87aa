#include "api_models/secrets.hpp"

#include <catch2/catch.hpp>

#include "api_models/secret_admin.hpp"

using namespace esm::api_models;

namespace {
const RequestContext kCtx{"eu-west-1", "123456789012"};
}

TEST_CASE("secrets: CreateSecret makes an AWS-shaped ARN and an AWSCURRENT version", "[secrets]") {
  auto s = parse_create_secret(
      R"({"Name":"a/b","SecretString":"x","ClientRequestToken":")" + std::string(32, 't') + R"("})",
      kCtx);
  REQUIRE(s.ok());
  const auto& arn = s.value().arn;
  CHECK(arn.rfind("arn:aws:secretsmanager:eu-west-1:123456789012:secret:a/b-", 0) == 0);
  CHECK(arn.size() ==
        std::string("arn:aws:secretsmanager:eu-west-1:123456789012:secret:a/b-").size() + 6);
  REQUIRE(s.value().current() != nullptr);
  CHECK(s.value().current()->id == std::string(32, 't'));
}

TEST_CASE("secrets: invalid requests name the member and never echo a value", "[secrets]") {
  const std::string big(65537, 'p');
  auto r = parse_create_secret(R"({"Name":"n","SecretString":")" + big + R"("})", kCtx);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::Validation);
  CHECK(r.error().message.find("secretString") != std::string::npos);
  CHECK(r.error().message.find("ppp") == std::string::npos);
  CHECK(parse_create_secret(R"({"SecretString":"x"})", kCtx).error().message.find("'name'") !=
        std::string::npos);
  CHECK(parse_create_secret(R"({"Name":"n","SecretString":"x","SecretBinary":"eA=="})", kCtx)
            .error()
            .code == ErrorCode::InvalidParameter);
  CHECK(parse_create_secret(R"({"Name":"n","SecretBinary":"not base64!"})", kCtx).error().code ==
        ErrorCode::InvalidRequestContent);
  CHECK(parse_create_secret(R"({"Name":"n","ClientRequestToken":"short"})", kCtx).error().code ==
        ErrorCode::Validation);
  CHECK(parse_delete_secret(R"({"SecretId":"n","RecoveryWindowInDays":31})").error().code ==
        ErrorCode::InvalidParameter);
  CHECK(parse_list_secrets(R"({"MaxResults":101})").error().code == ErrorCode::Validation);
  CHECK(parse_list_secrets(R"({"NextToken":"forged"})").error().code ==
        ErrorCode::InvalidParameter);
  CHECK(parse_put_secret_value(R"({"SecretId":"n"})").error().code == ErrorCode::InvalidParameter);
}

TEST_CASE("secrets: PutSecretValue moves AWSCURRENT and keeps one AWSPREVIOUS", "[secrets]") {
  Secret s = parse_create_secret(R"({"Name":"n","SecretString":"v1"})", kCtx).value();
  const std::string v1 = s.current()->id;
  auto put = [&](const std::string& value) {
    auto req = parse_put_secret_value(R"({"SecretId":"n","SecretString":")" + value + R"("})");
    REQUIRE(req.ok());
    REQUIRE(apply_put_secret_value(req.value(), s).ok());
    return req.value().version.id;
  };
  const std::string v2 = put("v2");
  CHECK(s.current()->id == v2);
  CHECK(s.staged(kAwsPrevious)->id == v1);
  const std::string v3 = put("v3");
  CHECK(s.current()->string_value == "v3");
  CHECK(s.staged(kAwsPrevious)->id == v2);
  CHECK(s.version(v1) == nullptr);  // no stage left: dropped
  CHECK(s.versions.size() == 2);
  CHECK(v3 != v2);
}

TEST_CASE("secrets: storage round trip keeps values, stages and dates", "[secrets]") {
  Secret s =
      parse_create_secret(
          R"({"Name":"n","Description":"d","SecretString":"v","Tags":[{"Key":"k","Value":"x"}]})",
          kCtx)
          .value();
  s.deletion_date = 123.5;
  auto back = secret_from_storage(secret_to_storage(s));
  REQUIRE(back.ok());
  CHECK(back.value().arn == s.arn);
  CHECK(back.value().description == "d");
  CHECK(back.value().tags == s.tags);
  CHECK(back.value().current()->string_value == "v");
  CHECK(back.value().deletion_date == 123.5);
}

TEST_CASE("secrets: errors render as Secrets Manager's JSON 1.1 shape", "[secrets]") {
  CHECK(secrets_error_body({ErrorCode::ResourceNotFound, "m"}) ==
        R"({"__type":"ResourceNotFoundException","Message":"m"})");
  CHECK(secrets_error_wire(ErrorCode::ResourceNotFound).status == 400);
  CHECK(secrets_error_wire(ErrorCode::ResourceExists).type == "ResourceExistsException");
  CHECK(secrets_error_wire(ErrorCode::Service).status == 500);
  CHECK(secrets_op("secretsmanager.ListSecrets") == SecretsOp::ListSecrets);
  CHECK_FALSE(secrets_op("secretsmanager.RotateSecret").has_value());
  CHECK_FALSE(secrets_op("AWSLambda.ListSecrets").has_value());
}

namespace {
Result<Ok> admin(SecretsOp op, const std::string& body, Secret& s) {
  auto r = parse_secret_admin(op, body);
  if (!r.ok()) return r.error();
  return apply_secret_admin(r.value(), s);
}
std::string token(char c) { return std::string(32, c); }
}  // namespace

TEST_CASE("secrets: staging labels move as UpdateSecretVersionStage documents", "[secrets]") {
  auto made = parse_create_secret(
      R"({"Name":"n","SecretString":"v1","ClientRequestToken":")" + token('a') + R"("})", kCtx);
  REQUIRE(made.ok());
  Secret s = made.value();
  REQUIRE(
      admin(SecretsOp::UpdateSecret,
            R"({"SecretId":"n","SecretString":"v2","ClientRequestToken":")" + token('b') + R"("})",
            s)
          .ok());
  CHECK(s.current()->id == token('b'));
  CHECK(s.staged(kAwsPrevious)->id == token('a'));
  // Moving AWSCURRENT needs RemoveFromVersionId naming its holder; nothing changes otherwise.
  const std::string rollback =
      R"({"SecretId":"n","VersionStage":"AWSCURRENT","MoveToVersionId":")" + token('a') + "\"";
  auto refused = admin(SecretsOp::UpdateSecretVersionStage, rollback + "}", s);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::InvalidParameter);
  CHECK(s.current()->id == token('b'));
  REQUIRE(admin(SecretsOp::UpdateSecretVersionStage,
                rollback + R"(,"RemoveFromVersionId":")" + token('b') + "\"}", s)
              .ok());
  CHECK(s.current()->id == token('a'));
  CHECK(s.staged(kAwsPrevious)->id == token('b'));
  CHECK(s.version(token('a'))->stages == std::vector<std::string>{"AWSCURRENT"});
  // AWSCURRENT cannot be removed; another label can, and a version left without one goes.
  CHECK(admin(SecretsOp::UpdateSecretVersionStage,
              R"({"SecretId":"n","VersionStage":"AWSCURRENT","RemoveFromVersionId":")" +
                  token('a') + "\"}",
              s)
            .error()
            .code == ErrorCode::InvalidParameter);
  REQUIRE(admin(SecretsOp::UpdateSecretVersionStage,
                R"({"SecretId":"n","VersionStage":"AWSPREVIOUS","RemoveFromVersionId":")" +
                    token('b') + "\"}",
                s)
              .ok());
  CHECK(s.version(token('b')) == nullptr);
  CHECK(s.versions.size() == 1);
}

TEST_CASE("secrets: resource policies are checked for syntax and public access", "[secrets]") {
  auto made = parse_create_secret(R"({"Name":"n","SecretString":"v"})", kCtx);
  REQUIRE(made.ok());
  Secret s = made.value();
  const std::string pub =
      R"({\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]},\"Action\":\"*\"}]})";
  CHECK(public_access_findings(R"({"Statement":{"Effect":"Allow","Principal":"*"}})").size() == 1);
  CHECK(public_access_findings(R"({"Statement":{"Effect":"Deny","Principal":"*"}})").empty());
  CHECK(admin(SecretsOp::PutResourcePolicy,
              R"({"SecretId":"n","BlockPublicPolicy":true,"ResourcePolicy":")" + pub + "\"}", s)
            .error()
            .code == ErrorCode::PublicPolicy);
  CHECK_FALSE(s.resource_policy);
  for (const char* bad : {R"(not json)", R"([])", R"({\"Statement\":[]})",
                          R"({\"Statement\":{\"Effect\":\"Sometimes\"}})"}) {
    auto r = parse_secret_admin(SecretsOp::PutResourcePolicy,
                                std::string(R"({"SecretId":"n","ResourcePolicy":")") + bad + "\"}");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::MalformedPolicyDocument);
  }
  REQUIRE(
      admin(SecretsOp::PutResourcePolicy, R"({"SecretId":"n","ResourcePolicy":")" + pub + "\"}", s)
          .ok());
  CHECK(s.resource_policy);
  // Persisted with the secret.
  auto back = secret_from_storage(secret_to_storage(s));
  REQUIRE(back.ok());
  CHECK(back.value().resource_policy == s.resource_policy);
}
