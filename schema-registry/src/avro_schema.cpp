// Avro: the record's binary encoding is read with Apache Avro's C library (Debian's libavro)
// into its generic value, which is then written as plain JSON: records and maps as objects,
// arrays as arrays, a union as its branch's value (no {"type": value} wrapper), enums as their
// symbol, bytes and fixed as strings of one character per byte (U+0000..U+00FF, as Avro's own
// JSON encoding carries them), logical types as their underlying type.
#include <avro.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <memory>
#include <optional>

#include "avro_limits.hpp"
#include "schema.hpp"

namespace esm::schema_registry {

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
constexpr int kMaxDepth = 200;  // nesting deeper than this is not written (a recursive schema)

struct SchemaRef {
  avro_schema_t schema = nullptr;
  ~SchemaRef() {
    if (schema) avro_schema_decref(schema);
  }
};
struct ClassRef {
  avro_value_iface_t* iface = nullptr;
  ~ClassRef() {
    if (iface) avro_value_iface_decref(iface);
  }
};
struct ValueRef {
  avro_value_t value{};
  bool made = false;
  ~ValueRef() {
    if (made) avro_value_decref(&value);
  }
};
struct ReaderRef {
  avro_reader_t reader = nullptr;
  ~ReaderRef() {
    if (reader) avro_reader_free(reader);
  }
};

void write_latin1(JsonWriter& w, const void* data, size_t size) {
  std::string utf8;
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    if (p[i] < 0x80) {
      utf8.push_back(static_cast<char>(p[i]));
    } else {
      utf8.push_back(static_cast<char>(0xc0 | (p[i] >> 6)));
      utf8.push_back(static_cast<char>(0x80 | (p[i] & 0x3f)));
    }
  }
  w.String(utf8.data(), static_cast<rapidjson::SizeType>(utf8.size()));
}

void write_double(JsonWriter& w, double d) {
  if (std::isfinite(d)) {
    w.Double(d);
  } else {
    w.Null();  // JSON has no NaN or infinity
  }
}

bool write_value(JsonWriter& w, avro_value_t& v, int depth);

bool write_children(JsonWriter& w, avro_value_t& v, bool named, int depth) {
  size_t n = 0;
  if (avro_value_get_size(&v, &n) != 0) return false;
  named ? w.StartObject() : w.StartArray();
  for (size_t i = 0; i < n; ++i) {
    avro_value_t child;
    const char* name = nullptr;
    if (avro_value_get_by_index(&v, i, &child, named ? &name : nullptr) != 0) return false;
    if (named) w.Key(name);
    if (!write_value(w, child, depth + 1)) return false;
  }
  named ? w.EndObject() : w.EndArray();
  return true;
}

bool write_value(JsonWriter& w, avro_value_t& v, int depth) {
  if (depth > kMaxDepth) return false;
  switch (avro_value_get_type(&v)) {
    case AVRO_NULL:
      w.Null();
      return true;
    case AVRO_BOOLEAN: {
      int b = 0;
      avro_value_get_boolean(&v, &b);
      w.Bool(b != 0);
      return true;
    }
    case AVRO_INT32: {
      int32_t i = 0;
      avro_value_get_int(&v, &i);
      w.Int(i);
      return true;
    }
    case AVRO_INT64: {
      int64_t l = 0;
      avro_value_get_long(&v, &l);
      w.Int64(l);
      return true;
    }
    case AVRO_FLOAT: {
      float f = 0;
      avro_value_get_float(&v, &f);
      write_double(w, f);
      return true;
    }
    case AVRO_DOUBLE: {
      double d = 0;
      avro_value_get_double(&v, &d);
      write_double(w, d);
      return true;
    }
    case AVRO_STRING: {
      const char* s = nullptr;
      size_t size = 0;  // counts the terminating NUL
      avro_value_get_string(&v, &s, &size);
      w.String(s, static_cast<rapidjson::SizeType>(size > 0 ? size - 1 : 0));
      return true;
    }
    case AVRO_BYTES: {
      const void* b = nullptr;
      size_t size = 0;
      avro_value_get_bytes(&v, &b, &size);
      write_latin1(w, b, size);
      return true;
    }
    case AVRO_FIXED: {
      const void* b = nullptr;
      size_t size = 0;
      avro_value_get_fixed(&v, &b, &size);
      write_latin1(w, b, size);
      return true;
    }
    case AVRO_ENUM: {
      int symbol = 0;
      avro_value_get_enum(&v, &symbol);
      const char* name = avro_schema_enum_get(avro_value_get_schema(&v), symbol);
      if (name == nullptr) return false;
      w.String(name);
      return true;
    }
    case AVRO_RECORD:
    case AVRO_MAP:
      return write_children(w, v, true, depth);
    case AVRO_ARRAY:
      return write_children(w, v, false, depth);
    case AVRO_UNION: {
      avro_value_t branch;
      if (avro_value_get_current_branch(&v, &branch) != 0) return false;
      return write_value(w, branch, depth + 1);
    }
    case AVRO_LINK:
      return false;  // values are never links; schemas are
  }
  return false;
}

// Reads `body` into `value`; when it is not valid for the schema, says why, and the value is
// destroyed (with what the read allocated outside it).
std::optional<Undecodable> read_record(avro_reader_t reader, ValueRef& value,
                                       std::string_view body) {
  avro_reader_memory_set_source(reader, body.data(), static_cast<int64_t>(body.size()));
  {
    avro_limits::ReadGuard guard(body.size());
    if (avro_value_read(reader, &value.value) == 0) return std::nullopt;
    avro_limits::ReadGuard::failed(value.value);
    value.made = false;
  }
  return Undecodable{std::string("not valid Avro for its schema: ") + avro_strerror()};
}

// Reads `body` into a value of its own, writes it as JSON and frees it (all of which recurse
// as deep as the record nests).
std::variant<std::string, Undecodable> read_fresh(avro_value_iface_t* iface, std::string_view body);

// read_fresh on a thread whose stack holds `stack` bytes.
std::variant<std::string, Undecodable> read_on_deep_stack(avro_value_iface_t* iface,
                                                          std::string_view body,
                                                          std::size_t stack) {
  std::variant<std::string, Undecodable> result =
      Undecodable{"Avro: no thread for a deeply nesting record"};
  avro_limits::run_with_stack(stack, [&] { result = read_fresh(iface, body); });
  return result;
}

// One value and one memory reader, made once and reused for every record (the decoder's
// consumer thread is the only user).
class AvroSchema final : public Schema {
 public:
  AvroSchema(avro_schema_t schema, avro_value_iface_t* iface, avro_limits::Nesting nesting)
      : nesting_(nesting) {
    schema_.schema = schema;
    class_.iface = iface;
  }
  std::string_view data_format() const override { return "AVRO"; }

  std::variant<std::string, Undecodable> to_json(std::string_view body) const override {
    if (nesting_.recursive) {
      const auto stack = avro_limits::stack_for(nesting_, body.size());
      if (!stack) {
        return Undecodable{"a record of " + std::to_string(body.size()) +
                           " bytes of a recursive Avro schema could nest deeper than the "
                           "decoder follows"};
      }
      if (*stack > 0) return read_on_deep_stack(class_.iface, body, *stack);
    }
    if (!value_.made) {
      if (avro_generic_value_new(class_.iface, &value_.value) != 0)
        return Undecodable{std::string("Avro: ") + avro_strerror()};
      value_.made = true;
    }
    if (reader_.reader == nullptr) {
      reader_.reader = avro_reader_memory(nullptr, 0);
      if (reader_.reader == nullptr) return Undecodable{"Avro: out of memory"};
    }
    avro_value_reset(&value_.value);
    if (auto bad = read_record(reader_.reader, value_, body)) return *bad;
    out_.Clear();
    writer_.Reset(out_);  // its stack of levels kept from record to record
    if (!write_value(writer_, value_.value, 0))
      return Undecodable{"Avro value not representable as JSON"};
    return std::string(out_.GetString(), out_.GetSize());
  }

 private:
  const avro_limits::Nesting nesting_;
  SchemaRef schema_;
  ClassRef class_;
  mutable ValueRef value_;  // destroyed before the class it was made from
  mutable ReaderRef reader_;
  mutable rapidjson::StringBuffer out_;
  mutable JsonWriter writer_{out_};
};

std::variant<std::string, Undecodable> read_fresh(avro_value_iface_t* iface,
                                                  std::string_view body) {
  ValueRef value;
  if (avro_generic_value_new(iface, &value.value) != 0)
    return Undecodable{std::string("Avro: ") + avro_strerror()};
  value.made = true;
  ReaderRef reader;
  reader.reader = avro_reader_memory(nullptr, 0);
  if (reader.reader == nullptr) return Undecodable{"Avro: out of memory"};
  if (auto bad = read_record(reader.reader, value, body)) return *bad;
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  if (!write_value(w, value.value, 0)) return Undecodable{"Avro value not representable as JSON"};
  return std::string(out.GetString(), out.GetSize());
}

}  // namespace

std::variant<std::unique_ptr<Schema>, Undecodable> compile_avro(const SchemaText& schema) {
  avro_limits::use_capped_allocator();
  avro_schema_t parsed = nullptr;
  if (avro_schema_from_json_length(schema.text.data(), schema.text.size(), &parsed) != 0) {
    return Undecodable{std::string("the Avro schema does not parse: ") + avro_strerror()};
  }
  const avro_limits::Nesting nesting = avro_limits::nesting_of(parsed);
  if (nesting.recursive && avro_limits::has_endless_record(parsed)) {
    avro_schema_decref(parsed);
    return Undecodable{
        "the Avro schema has a record that contains itself with no union, array or map in the "
        "way: no value of it is finite"};
  }
  avro_value_iface_t* iface = avro_generic_class_from_schema(parsed);
  if (iface == nullptr) {
    avro_schema_decref(parsed);
    return Undecodable{std::string("the Avro schema is not usable: ") + avro_strerror()};
  }
  return std::unique_ptr<Schema>(std::make_unique<AvroSchema>(parsed, iface, nesting));
}

}  // namespace esm::schema_registry
