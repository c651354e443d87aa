#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api_models/error.hpp"
#include "api_models/mapping.hpp"
#include "api_models/secrets.hpp"

// How a mapping's SourceAccessConfigurations become librdkafka settings (reference §3.3), and
// how Kafka's authentication and authorisation failures become AWS's stop reasons (§5.3).
namespace esm::engine {

// Why a consumer stops for good: StateTransitionReason and LastProcessingResult.
struct StopReason {
  std::string reason;
  std::string result;
  bool operator==(const StopReason&) const = default;
};

inline constexpr std::string_view kSaslFailed = "PROBLEM: SASL authentication failed.";
inline constexpr std::string_view kServerNotTrusted =
    "PROBLEM: Lambda failed to authenticate server.";
inline constexpr std::string_view kClientRejected =
    "PROBLEM: Server failed to authenticate Lambda.";
inline constexpr std::string_view kBadCertificate =
    "PROBLEM: Provided certificate or private key is invalid.";
inline constexpr std::string_view kNotAuthorized = "PROBLEM: Cluster failed to authorize Lambda.";

// The consumer settings one mapping's authentication needs. `properties` holds secret values:
// it goes to librdkafka and nowhere else (never to a log, a response or a file).
struct KafkaSecurity {
  std::map<std::string, std::string> properties;
  std::string summary;  // for the log: protocol, mechanism, user name; no secret values
  bool tls = false;     // certificates or keys are given: rd_kafka_new may reject them
};

using SecretLookup = std::function<api_models::Result<api_models::Secret>(const std::string& id)>;

// Reads the secrets the mapping names (their AWSCURRENT values) and builds the settings:
// BASIC_AUTH -> SASL_SSL + PLAIN, SASL_SCRAM_256/512_AUTH -> SASL_SSL + SCRAM-SHA-256/512,
// CLIENT_CERTIFICATE_TLS_AUTH -> SSL with certificate, PKCS#8 key and key password,
// SERVER_ROOT_CA_CERTIFICATE -> the CA that verifies the brokers (alone: TLS, no client auth).
// VPC entries (and no entries) mean plaintext. A missing secret or one not in the documented
// JSON format stops the mapping with ESM_CONFIG_NOT_VALID; PEM text that is no certificate or
// key with EVENT_SOURCE_AUTHN_ERROR, as AWS does.
std::variant<KafkaSecurity, StopReason> kafka_security(const api_models::EventSourceMapping& m,
                                                       const SecretLookup& lookup);

// AWS's reason for a Kafka error (an error code and librdkafka's text), if it is an
// authentication or authorisation failure; nothing for everything else (transient trouble).
// `sasl_mechanism` is the consumer's (empty if none): a failed SCRAM login on a librdkafka
// older than 2.6.1 names the Kafka 4.x nonce bug and its fixes, since the credentials may be right.
std::optional<StopReason> classify_kafka_failure(int err, std::string_view text,
                                                 std::string_view sasl_mechanism = {});

// The SASL failure result for that mechanism with the librdkafka `version` (0xMMmmrrxx).
std::string sasl_failure_result(std::string_view sasl_mechanism, int version);

}  // namespace esm::engine
