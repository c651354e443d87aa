#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace esm::schema_registry {

// Why a record's bytes do not decode with their schema (DESERIALIZATION_ERROR).
struct Undecodable {
  std::string why;
};

// A schema from the registry, compiled once and kept by id: turns the encoded data that follows
// a record's schema id into JSON, or says why it cannot.
class Schema {
 public:
  virtual ~Schema() = default;
  // dataFormat when the record is delivered in its own encoding (SOURCE).
  virtual std::string_view data_format() const = 0;
  // `body`: what follows the schema id in the record. JSON text, or why not.
  virtual std::variant<std::string, Undecodable> to_json(std::string_view body) const = 0;
  // What SOURCE delivers: the record without the magic byte and schema id.
  virtual std::string_view source_bytes(std::string_view body) const { return body; }
};

// Whose serializers framed the records, which decides how a Protobuf record names its message
// type: Confluent's (message indexes, a path through the file's nested types) or AWS Glue's (one
// index into every message of the file, nested ones too, sorted by full name).
enum class Framing { Confluent, Glue };

// What the registry said of a schema: its text and type (AVRO, PROTOBUF or JSON), with the
// texts of the schemas it references by their import names (Protobuf).
struct SchemaText {
  std::string type = "AVRO";
  std::string text;
  std::map<std::string, std::string> references;
  Framing framing = Framing::Confluent;
};

// The schema compiled, or why it cannot be (the registry holds something this cannot read).
std::variant<std::unique_ptr<Schema>, Undecodable> compile_schema(const SchemaText& schema);

std::variant<std::unique_ptr<Schema>, Undecodable> compile_avro(const SchemaText& schema);
std::variant<std::unique_ptr<Schema>, Undecodable> compile_protobuf(const SchemaText& schema);
std::variant<std::unique_ptr<Schema>, Undecodable> compile_json_schema(const SchemaText& schema);

}  // namespace esm::schema_registry
