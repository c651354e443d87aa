#pragma once

#include <string>
#include <variant>
#include <vector>

#include "api_models/delivery_options.hpp"
#include "engine/kafka_auth.hpp"
#include "schema_registry/record_decoder.hpp"

// How a mapping's SchemaRegistryConfig becomes the settings its record decoder takes: the
// registry, the format, the fields, and the access its AccessConfigs' secrets give.
namespace esm::engine {

// A mapping's SchemaRegistryConfig as the decoder takes it: the registry, the format, the
// fields, and from the AccessConfigs' secrets BASIC_AUTH's user and password ("username",
// "password"), SERVER_ROOT_CA_CERTIFICATE's CA ("certificate") and CLIENT_CERTIFICATE_TLS_AUTH's
// certificate, PKCS#8 key and key password, as reference §3.3 has them for Kafka. A missing
// secret, or one not in its format, stops the mapping with ESM_CONFIG_NOT_VALID. `not_performed`
// gets access types the emulator does not use: those given with an AWS Glue registry, which
// AWS reaches with the function's execution role and the emulator with the operator's AWS keys.
std::variant<schema_registry::RegistrySettings, StopReason> schema_registry_settings(
    const api_models::DeliveryOptions& o, const SecretLookup& lookup,
    std::vector<std::string>& not_performed);

}  // namespace esm::engine
