#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>

#include "schema.hpp"
#include "schema_source.hpp"

namespace esm::schema_registry {

// The schemas of one registry by id, each fetched once and compiled once. A schema the registry
// does not have, or that does not compile, is kept as such too; a registry that does not answer
// is asked again next time. Used by one consumer thread.
class SchemaCache {
 public:
  using Lookup = std::variant<const Schema*, SchemaMissing, Undecodable, RegistryDown>;

  explicit SchemaCache(std::unique_ptr<SchemaSource> source) : source_(std::move(source)) {}
  Lookup find(const std::string& id);

 private:
  using Entry = std::variant<std::unique_ptr<Schema>, SchemaMissing, Undecodable>;
  std::unique_ptr<SchemaSource> source_;
  std::map<std::string, Entry, std::less<>> schemas_;
};

}  // namespace esm::schema_registry
