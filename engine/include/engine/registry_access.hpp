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

// A mapping's SchemaRegistryConfig as the decoder takes it: the URL, the format, the fields, and
// BASIC_AUTH's user and password from its secret ("username", "password"). A missing secret or
// one not in that format stops the mapping with ESM_CONFIG_NOT_VALID. `not_performed` gets the
// access types the emulator does not use (CLIENT_CERTIFICATE_TLS_AUTH, OAUTHBEARER_AUTH,
// SERVER_ROOT_CA_CERTIFICATE: https is verified against the system's trust store).
std::variant<schema_registry::RegistrySettings, StopReason> schema_registry_settings(
    const api_models::DeliveryOptions& o, const SecretLookup& lookup,
    std::vector<std::string>& not_performed);

}  // namespace esm::engine
