#pragma once

#include <memory>
#include <string>
#include <variant>

#include "schema.hpp"
#include "schema_registry/record_decoder.hpp"

namespace esm::schema_registry {

// The registry has no schema of that id (SCHEMA_NOT_FOUND).
struct SchemaMissing {
  std::string why;
};
// The registry did not answer, or not usefully: nothing is decided, ask again later.
struct RegistryDown {
  std::string why;
};

// Where a mapping's schemas come from, by the id its records carry (a Confluent-compatible
// registry's number, an AWS Glue schema version's UUID). Used by one consumer thread.
class SchemaSource {
 public:
  virtual ~SchemaSource() = default;
  virtual std::variant<SchemaText, SchemaMissing, RegistryDown> fetch(const std::string& id) = 0;
};

// GET {uri}/schemas/ids/{id} (and the subjects its Protobuf references name), with the settings'
// credentials and TLS material.
std::unique_ptr<SchemaSource> confluent_registry(const RegistrySettings& settings);

// Glue's GetSchemaVersion through the settings' AWS endpoints, signed with the operator's
// credentials; a version of another registry than the settings' ARN names is not found.
std::unique_ptr<SchemaSource> glue_registry(const RegistrySettings& settings);

}  // namespace esm::schema_registry
