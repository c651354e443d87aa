#include "schema_cache.hpp"

namespace esm::schema_registry {

SchemaCache::Lookup SchemaCache::find(const std::string& id) {
  auto it = schemas_.find(id);
  if (it == schemas_.end()) {
    auto fetched = source_->fetch(id);
    if (auto* down = std::get_if<RegistryDown>(&fetched)) return *down;
    Entry entry;
    if (auto* missing = std::get_if<SchemaMissing>(&fetched)) {
      entry = *missing;
    } else {
      auto compiled = compile_schema(std::get<SchemaText>(fetched));
      if (auto* bad = std::get_if<Undecodable>(&compiled)) {
        entry = *bad;
      } else {
        entry = std::move(std::get<std::unique_ptr<Schema>>(compiled));
      }
    }
    it = schemas_.emplace(id, std::move(entry)).first;
  }
  if (auto* schema = std::get_if<std::unique_ptr<Schema>>(&it->second)) return schema->get();
  if (auto* missing = std::get_if<SchemaMissing>(&it->second)) return *missing;
  return std::get<Undecodable>(it->second);
}

std::variant<std::unique_ptr<Schema>, Undecodable> compile_schema(const SchemaText& schema) {
  if (schema.type == "AVRO") return compile_avro(schema);
  if (schema.type == "PROTOBUF") return compile_protobuf(schema);
  if (schema.type == "JSON") return compile_json_schema(schema);
  return Undecodable{"the registry's schema type " + schema.type +
                     " is not AVRO, PROTOBUF or JSON"};
}

}  // namespace esm::schema_registry
