#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>

#include "aws_client/http_client.hpp"
#include "schema.hpp"
#include "schema_registry/record_decoder.hpp"

namespace esm::schema_registry {

struct SchemaMissing {
  std::string why;
};
struct RegistryDown {
  std::string why;
};

// The schemas of one Confluent-compatible registry (GET /schemas/ids/{id}), each fetched once
// and compiled once. A schema the registry does not have, or that does not compile, is kept as
// such too; a registry that does not answer is asked again next time.
class SchemaCache {
 public:
  using Lookup = std::variant<const Schema*, SchemaMissing, Undecodable, RegistryDown>;

  explicit SchemaCache(const RegistrySettings& settings);
  Lookup find(std::uint32_t id);

 private:
  using Entry = std::variant<std::unique_ptr<Schema>, SchemaMissing, Undecodable>;
  std::variant<SchemaText, SchemaMissing, RegistryDown> fetch(std::uint32_t id);
  // GET `path` of the registry: the body of a 200, SchemaMissing for a 404, else RegistryDown.
  std::variant<std::string, SchemaMissing, RegistryDown> get(const std::string& path);

  const RegistrySettings& settings_;
  std::variant<aws::HttpEndpoint, std::string> endpoint_;
  std::map<std::uint32_t, Entry> schemas_;
};

}  // namespace esm::schema_registry
