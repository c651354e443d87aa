// JSON Schema: the record is JSON text already; it is validated against its schema with
// RapidJSON's validator (draft 4, the keywords later drafts share with it).
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "schema.hpp"

namespace esm::schema_registry {

namespace {

class JsonSchema final : public Schema {
 public:
  explicit JsonSchema(const rapidjson::Document& schema) : schema_(schema) {}
  std::string_view data_format() const override { return "JSON"; }

  std::variant<std::string, Undecodable> to_json(std::string_view body) const override {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (d.HasParseError()) {
      return Undecodable{std::string("not JSON: ") +
                         rapidjson::GetParseError_En(d.GetParseError()) + " at byte " +
                         std::to_string(d.GetErrorOffset())};
    }
    rapidjson::SchemaValidator validator(schema_);
    if (!d.Accept(validator)) {
      rapidjson::StringBuffer where;
      validator.GetInvalidSchemaPointer().StringifyUriFragment(where);
      rapidjson::StringBuffer at;
      validator.GetInvalidDocumentPointer().StringifyUriFragment(at);
      return Undecodable{std::string("not valid for its JSON schema: keyword '") +
                         validator.GetInvalidSchemaKeyword() + "' at " + where.GetString() +
                         ", value at " + at.GetString()};
    }
    return std::string(body);
  }

 private:
  rapidjson::SchemaDocument schema_;
};

}  // namespace

std::variant<std::unique_ptr<Schema>, Undecodable> compile_json_schema(const SchemaText& schema) {
  rapidjson::Document d;
  d.Parse(schema.text.data(), schema.text.size());
  if (d.HasParseError() || !d.IsObject())
    return Undecodable{"the JSON schema is not a JSON object"};
  return std::unique_ptr<Schema>(std::make_unique<JsonSchema>(d));
}

}  // namespace esm::schema_registry
