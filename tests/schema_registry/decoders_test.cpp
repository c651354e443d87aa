// The schema registry stage's pieces without a registry: the Confluent wire format, and the
// Avro, Protobuf and JSON Schema decoders on schemas and bytes written out by hand here (the
// integration suite checks them against Confluent's own serializers and a real registry).
#include <catch2/catch.hpp>
#include <string>

#include "schema.hpp"
#include "wire_format.hpp"

using namespace esm::schema_registry;
using namespace std::string_literals;

namespace {

std::unique_ptr<Schema> compiled(const std::string& type, const std::string& text) {
  auto s = compile_schema(SchemaText{type, text, {}});
  REQUIRE(std::holds_alternative<std::unique_ptr<Schema>>(s));
  return std::move(std::get<std::unique_ptr<Schema>>(s));
}

std::string json_of(const Schema& schema, const std::string& body) {
  auto out = schema.to_json(body);
  if (auto* bad = std::get_if<Undecodable>(&out)) FAIL(bad->why);
  return std::get<std::string>(out);
}

bool undecodable(const Schema& schema, const std::string& body) {
  return std::holds_alternative<Undecodable>(schema.to_json(body));
}

}  // namespace

TEST_CASE("Confluent framing: magic byte 0 and a big-endian schema id", "[schema_registry]") {
  const std::string framed = "\0\0\0\x01\x02rest"s;
  const auto f = confluent_frame(framed);
  REQUIRE(f);
  CHECK(f->schema_id == 258);
  CHECK(f->body == "rest");
  CHECK_FALSE(confluent_frame("\x01\0\0\0\x01x"s));  // another magic byte
  CHECK_FALSE(confluent_frame("\0\0\0\x01"s));       // shorter than the header
}

TEST_CASE("Protobuf message indexes: zigzag count and indexes, a lone 0 for [0]",
          "[schema_registry]") {
  const std::string plain = "\0msg"s, deeper = "\x04\x02\x06msg"s;
  auto first = protobuf_body(plain);
  REQUIRE(first);
  CHECK(first->message_indexes == std::vector<int>{0});
  CHECK(first->message == "msg");
  auto nested = protobuf_body(deeper);  // count 2: [1, 3]
  REQUIRE(nested);
  CHECK(nested->message_indexes == std::vector<int>{1, 3});
  CHECK_FALSE(protobuf_body("\x03"s));      // a negative count
  CHECK_FALSE(protobuf_body("\x04\x02"s));  // cut short
}

TEST_CASE("Avro binary becomes plain JSON: unions unwrapped, enums by symbol, bytes as text",
          "[schema_registry]") {
  const auto schema = compiled("AVRO", R"({"type":"record","name":"R","fields":[
    {"name":"s","type":"string"},{"name":"n","type":"long"},
    {"name":"u","type":["null","int"]},{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
    {"name":"a","type":{"type":"array","items":"int"}},{"name":"m","type":{"type":"map","values":"boolean"}},
    {"name":"b","type":"bytes"}]})");
  // "hi", -3 (zigzag 5), union branch 1 = 21 (zigzag 42), enum 1, [1, 2], {"k": true}, bytes ff.
  const std::string body = "\x04hi\x05\x02\x2a\x02\x04\x02\x04\x00\x02\x02k\x01\x00\x02\xff"s;
  CHECK(json_of(*schema, body) ==
        R"({"s":"hi","n":-3,"u":21,"e":"B","a":[1,2],"m":{"k":true},"b":")"
        "\xc3\xbf"
        R"("})");
  CHECK(undecodable(*schema, "\x04h"s));  // cut short
  CHECK(std::holds_alternative<Undecodable>(compile_schema(SchemaText{"AVRO", "{nope", {}})));
}

TEST_CASE("JSON Schema records are validated against their schema", "[schema_registry]") {
  const auto schema = compiled("JSON", R"({"type":"object","required":["id"],
    "properties":{"id":{"type":"string"},"n":{"type":"number","minimum":0}}})");
  CHECK(json_of(*schema, R"({"id":"a","n":1})") == R"({"id":"a","n":1})");
  CHECK(undecodable(*schema, R"({"n":1})"));            // id missing
  CHECK(undecodable(*schema, R"({"id":"a","n":-1})"));  // below the minimum
  CHECK(undecodable(*schema, R"(not json)"));
  CHECK(schema->data_format() == "JSON");
}

TEST_CASE(
    "Protobuf from .proto text: the message the indexes name, fields as the .proto spells them",
    "[schema_registry]") {
  const auto schema = compiled("PROTOBUF", R"(syntax = "proto3"; package p;
    message A { string first_name = 1; }
    message B { int32 count = 1; message C { bool ok = 1; } })");
  CHECK(json_of(*schema, "\0\x0a\x03"s + "bob") == R"({"first_name":"bob"})");  // A, [0]
  CHECK(json_of(*schema, "\x02\x02\x08\x07"s) == R"({"count":7})");             // B, [1]
  CHECK(json_of(*schema, "\x04\x02\x00\x08\x01"s) == R"({"ok":true})");         // B.C, [1, 0]
  CHECK(undecodable(*schema, "\x02\x04\x08\x07"s));                             // [2]: no such
  CHECK(undecodable(*schema, "\0\x0a\x09"s + "bob"));                           // cut short
  CHECK(
      std::holds_alternative<Undecodable>(compile_schema(SchemaText{"PROTOBUF", "message {", {}})));
}

TEST_CASE("Glue framing: header version 3, compression 0 or 5, the version id as UUID text",
          "[schema_registry]") {
  const std::string id = "\x12\x34\x56\x78\x9a\xbc\xde\xf0\x01\x23\x45\x67\x89\xab\xcd\xef"s;
  const std::string framed = "\x03\x00"s + id + "data";  // the frame points into it
  const auto plain = glue_frame(framed);
  REQUIRE(plain);
  CHECK(plain->schema_version_id == "12345678-9abc-def0-0123-456789abcdef");
  CHECK_FALSE(plain->zlib);
  CHECK(plain->body == "data");
  const auto zipped = glue_frame("\x03\x05"s + id + "z");
  REQUIRE(zipped);
  CHECK(zipped->zlib);
  CHECK_FALSE(glue_frame("\x03\x01"s + id + "x"));          // another compression
  CHECK_FALSE(glue_frame("\x00\x00"s + id + "x"));          // Confluent's magic byte
  CHECK_FALSE(glue_frame("\x03\x00"s + id.substr(0, 15)));  // shorter than the header
}

TEST_CASE("Glue's zlib data inflates within a limit, anything else is refused",
          "[schema_registry]") {
  // zlib.compress(b"hello") (Python's zlib, the library Glue's Python serializer uses).
  const std::string hello = "\x78\x9c\xcb\x48\xcd\xc9\xc9\x07\x00\x06\x2c\x02\x15"s;
  CHECK(inflate_zlib(hello, 100) == std::optional<std::string>("hello"));
  CHECK_FALSE(inflate_zlib(hello, 4));                 // more than the limit
  CHECK_FALSE(inflate_zlib(hello.substr(0, 8), 100));  // cut short
  CHECK_FALSE(inflate_zlib("not zlib", 100));          // not zlib at all
  CHECK_FALSE(inflate_zlib(hello + "trailing", 100));  // more after the stream
}

TEST_CASE("Protobuf with Glue's framing: one index among every message sorted by full name",
          "[schema_registry]") {
  SchemaText text{"PROTOBUF",
                  R"(syntax = "proto3"; package p;
    message B { int32 count = 1; message C { bool ok = 1; } }
    message A { string first_name = 1; })",
                  {}};
  text.framing = Framing::Glue;
  auto compiled_glue = compile_schema(text);
  REQUIRE(std::holds_alternative<std::unique_ptr<Schema>>(compiled_glue));
  const auto& schema = *std::get<std::unique_ptr<Schema>>(compiled_glue);
  // p.A = 0, p.B = 1, p.B.C = 2, whatever order the file declares them in.
  CHECK(json_of(schema, "\0\x0a\x03"s + "bob") == R"({"first_name":"bob"})");
  CHECK(json_of(schema, "\x01\x08\x07"s) == R"({"count":7})");
  CHECK(json_of(schema, "\x02\x08\x01"s) == R"({"ok":true})");
  CHECK(undecodable(schema, "\x03\x08\x01"s));  // no fourth message
  CHECK(undecodable(schema, "\x80"s));          // the varint cut short
}

TEST_CASE("Records of recursive Avro schemas, however deep, are decoded or refused, not a crash",
          "[schema_registry]") {
  const auto list = compiled("AVRO", R"({"type":"record","name":"N","fields":[
    {"name":"next","type":["null","N"]}]})");
  CHECK(json_of(*list, "\x02\x02\x00"s) == R"({"next":{"next":{"next":null}}})");
  // One byte a level: 90 levels are written (inline), 100,000 are read on a deep stack and
  // refused by the JSON writer's depth limit, a megabyte is refused before it is read (it
  // overflowed the thread's stack in Avro's C library).
  const std::string shallow = std::string(90, '\x02') + '\0';
  CHECK(json_of(*list, shallow).size() == 90 * 9 + 13);
  CHECK(undecodable(*list, std::string(100000, '\x02') + '\0'));
  CHECK(undecodable(*list, std::string(1000000, '\x02') + '\0'));
  // A tree through an array (two bytes a level).
  const auto tree = compiled("AVRO", R"({"type":"record","name":"T","fields":[
    {"name":"c","type":{"type":"array","items":"T"}}]})");
  CHECK(json_of(*tree, "\x02\x00\x00"s) == R"({"c":[{"c":[]}]})");
  CHECK(undecodable(*tree, std::string(50000, '\x02') + std::string(50000, '\0')));
}

TEST_CASE("An Avro schema whose record contains itself through records alone is refused",
          "[schema_registry]") {
  for (const char* text : {
           R"({"type":"record","name":"X","fields":[{"name":"x","type":"X"}]})",
           R"({"type":"record","name":"A","fields":[{"name":"n","type":"int"},
               {"name":"b","type":{"type":"record","name":"B","fields":[{"name":"a","type":"A"}]}}]})",
       }) {
    INFO(text);
    CHECK(std::holds_alternative<Undecodable>(compile_schema(SchemaText{"AVRO", text, {}})));
  }
  // Recursion through a union, array or map ends.
  CHECK(std::holds_alternative<std::unique_ptr<Schema>>(compile_schema(SchemaText{
      "AVRO",
      R"({"type":"record","name":"M","fields":[{"name":"m","type":{"type":"map","values":"M"}}]})",
      {}})));
}

TEST_CASE("A JSON Schema record nested deeper than 1000 levels is refused, not a crash",
          "[schema_registry]") {
  const auto schema = compiled("JSON", R"({"type":"array"})");
  CHECK(json_of(*schema, "[[[]]]") == "[[[]]]");
  const std::string fine = std::string(1000, '[') + std::string(1000, ']');
  CHECK(json_of(*schema, fine) == fine);
  CHECK(undecodable(*schema, std::string(1000000, '[') + std::string(1000000, ']')));
  CHECK(undecodable(*schema, "[[]"));
}
