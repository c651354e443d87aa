#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api_models/json_value.hpp"
#include "api_models/mapping.hpp"
#include "engine/kafka_auth.hpp"

// Reading the Secrets Manager secrets that access configurations name (a Kafka mapping's
// SourceAccessConfigurations, a schema registry's AccessConfigs): their AWSCURRENT JSON, the
// members they must hold, and the stop reasons a missing or malformed one gives (reference §3.3).
namespace esm::engine {

inline constexpr std::string_view kConfigNotValid = "ESM_CONFIG_NOT_VALID";
inline constexpr std::string_view kAuthnError = "EVENT_SOURCE_AUTHN_ERROR";
inline constexpr std::string_view kAuthzError = "EVENT_SOURCE_AUTHZ_ERROR";

StopReason config_not_valid(std::string text);
StopReason authn(std::string_view result);

// The secret `sac` names is not in `format` (a phrase: what it must hold).
StopReason bad_format(const api_models::SourceAccessConfiguration& sac, std::string_view format);

// The secret's AWSCURRENT SecretString parsed as a JSON object.
struct SecretJson {
  api_models::JsonValue doc;
  std::string name;
};

// The secret `sac` names, or ESM_CONFIG_NOT_VALID: not found (or scheduled for deletion), or its
// current value is not a JSON object (`format` says what it should be).
std::variant<SecretJson, StopReason> read_secret(const api_models::SourceAccessConfiguration& sac,
                                                 const SecretLookup& lookup,
                                                 std::string_view format);

// A non-empty string member, or nothing.
std::optional<std::string> member(const api_models::JsonValue& doc, std::string_view key);

// One PEM block of `label` at least, each opened and closed.
bool has_pem(std::string_view text, std::string_view label);

// SERVER_ROOT_CA_CERTIFICATE's secret: {"certificate": PEM}. `invalid` when it holds no PEM
// certificate (each use says so in its own words).
std::variant<std::string, StopReason> read_root_ca(const api_models::SourceAccessConfiguration& sac,
                                                   const SecretLookup& lookup,
                                                   const StopReason& invalid);

// CLIENT_CERTIFICATE_TLS_AUTH's secret: the certificate chain (PEM), its PKCS#8 key (PEM; AWS
// takes no other) and, for an encrypted key, its password. `invalid` when they are not such PEM.
struct ClientCertificate {
  std::string certificate;
  std::string private_key;
  std::string password;  // "": none
};
std::variant<ClientCertificate, StopReason> read_client_certificate(
    const api_models::SourceAccessConfiguration& sac, const SecretLookup& lookup,
    const StopReason& invalid);

}  // namespace esm::engine
