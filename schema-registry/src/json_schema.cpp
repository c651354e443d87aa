// JSON Schema: the record is JSON text already; it is validated against its schema with
// RapidJSON's validator (draft 4, the keywords later drafts share with it).
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api_models/json_text.hpp"
#include "schema.hpp"

namespace esm::schema_registry {

namespace {

// Records nested deeper are refused before RapidJSON's validator sees them: it slows down with
// depth (a record of a million '[' ran for minutes).
constexpr unsigned kMaxDepth = 1000;

class JsonSchema final : public Schema {
 public:
  explicit JsonSchema(const rapidjson::Document& schema) : schema_(schema) {}
  std::string_view data_format() const override { return "JSON"; }

  // Validated while it is read (the validator is the reader's handler), iteratively: a deeply
  // nested record takes no stack.
  std::variant<std::string, Undecodable> to_json(std::string_view body) const override {
    if (const auto at = api_models::json_nesting_passes(body, kMaxDepth)) {
      return Undecodable{"nested deeper than " + std::to_string(kMaxDepth) + " levels, at byte " +
                         std::to_string(*at)};
    }
    rapidjson::SchemaValidator validator(schema_);
    rapidjson::Reader reader;
    rapidjson::MemoryStream in(body.data(), body.size());
    const rapidjson::ParseResult parsed =
        reader.Parse<rapidjson::kParseIterativeFlag>(in, validator);
    if (!validator.IsValid()) {
      rapidjson::StringBuffer where;
      validator.GetInvalidSchemaPointer().StringifyUriFragment(where);
      rapidjson::StringBuffer at;
      validator.GetInvalidDocumentPointer().StringifyUriFragment(at);
      return Undecodable{std::string("not valid for its JSON schema: keyword '") +
                         validator.GetInvalidSchemaKeyword() + "' at " + where.GetString() +
                         ", value at " + at.GetString()};
    }
    if (parsed.IsError()) {
      return Undecodable{std::string("not JSON: ") + rapidjson::GetParseError_En(parsed.Code()) +
                         " at byte " + std::to_string(parsed.Offset())};
    }
    return std::string(body);
  }

 private:
  rapidjson::SchemaDocument schema_;
};

}  // namespace

std::variant<std::unique_ptr<Schema>, Undecodable> compile_json_schema(const SchemaText& schema) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(schema.text.data(), schema.text.size());
  if (d.HasParseError() || !d.IsObject())
    return Undecodable{"the JSON schema is not a JSON object"};
  return std::unique_ptr<Schema>(std::make_unique<JsonSchema>(d));
}

}  // namespace esm::schema_registry
