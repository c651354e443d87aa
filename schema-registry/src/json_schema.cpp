// JSON Schema: the record is JSON text already; it is validated against its schema with
// RapidJSON's validator (draft 4, the keywords later drafts share with it).
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "schema.hpp"

namespace esm::schema_registry {

namespace {

// Records nested deeper are refused before RapidJSON's validator sees them: it slows down with
// depth (a record of a million '[' ran for minutes).
constexpr unsigned kMaxDepth = 1000;

// Passes what the reader reads on to the validator, counting the depth.
class DepthLimited {
 public:
  explicit DepthLimited(rapidjson::SchemaValidator& v) : v_(v) {}
  bool too_deep() const { return too_deep_; }

  bool Null() { return v_.Null(); }
  bool Bool(bool b) { return v_.Bool(b); }
  bool Int(int i) { return v_.Int(i); }
  bool Uint(unsigned u) { return v_.Uint(u); }
  bool Int64(int64_t i) { return v_.Int64(i); }
  bool Uint64(uint64_t u) { return v_.Uint64(u); }
  bool Double(double d) { return v_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return v_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return v_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return v_.Key(s, n, copy); }
  bool StartObject() { return deeper() && v_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { return --depth_, v_.EndObject(n); }
  bool StartArray() { return deeper() && v_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return --depth_, v_.EndArray(n); }

 private:
  bool deeper() {
    too_deep_ = ++depth_ > kMaxDepth;
    return !too_deep_;
  }
  rapidjson::SchemaValidator& v_;
  unsigned depth_ = 0;
  bool too_deep_ = false;
};

class JsonSchema final : public Schema {
 public:
  explicit JsonSchema(const rapidjson::Document& schema) : schema_(schema) {}
  std::string_view data_format() const override { return "JSON"; }

  // Validated while it is read (the validator is the reader's handler), iteratively: a deeply
  // nested record takes no stack.
  std::variant<std::string, Undecodable> to_json(std::string_view body) const override {
    rapidjson::SchemaValidator validator(schema_);
    rapidjson::Reader reader;
    rapidjson::MemoryStream in(body.data(), body.size());
    DepthLimited handler(validator);
    const rapidjson::ParseResult parsed = reader.Parse<rapidjson::kParseIterativeFlag>(in, handler);
    if (handler.too_deep()) {
      return Undecodable{"nested deeper than " + std::to_string(kMaxDepth) + " levels, at byte " +
                         std::to_string(parsed.Offset())};
    }
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
