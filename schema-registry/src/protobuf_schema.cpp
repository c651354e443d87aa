// Protobuf: the registry's .proto text is parsed with libprotobuf's own parser into a descriptor
// pool (the well-known google/protobuf/*.proto imports come from the library's generated pool,
// other imports from the schema's references), the message type chosen by the record's message
// indexes (Confluent's path, or Glue's one index), the bytes parsed as a dynamic message and
// written with libprotobuf's JSON mapping, field names as the .proto spells them (what Powertools'
// Protobuf deserializer returns).
#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "api_models/base64.hpp"
#include "schema.hpp"
#include "wire_format.hpp"

namespace esm::schema_registry {

namespace pb = google::protobuf;

namespace {

class ParseErrors final : public pb::io::ErrorCollector {
 public:
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (first.empty())
      first =
          "line " + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
  }
  std::string first;
};

class PoolErrors final : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& file, const std::string& element, const pb::Message*,
                ErrorLocation, const std::string& message) override {
    if (first.empty()) first = file + ": " + element + ": " + message;
  }
  std::string first;
};

// A registry holds a Protobuf schema as .proto text, or as a serialized FileDescriptorProto in
// base64 (what confluent-kafka's Python serializer registers, and some registries give back).
std::variant<pb::FileDescriptorProto, Undecodable> parse_proto(const std::string& name,
                                                               const std::string& text) {
  if (auto bytes = api_models::from_base64(text)) {
    pb::FileDescriptorProto file;
    if (!bytes->empty() && file.ParseFromString(*bytes)) {
      file.set_name(name);
      return file;
    }
  }
  pb::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  ParseErrors errors;
  pb::io::Tokenizer tokenizer(&input, &errors);
  pb::compiler::Parser parser;
  parser.RecordErrorsTo(&errors);
  pb::FileDescriptorProto file;
  if (!parser.Parse(&tokenizer, &file)) {
    return Undecodable{"the Protobuf schema " + name + " does not parse: " + errors.first};
  }
  file.set_name(name);
  return file;
}

// Every message type of `file`, nested ones too, sorted by full name: how AWS Glue's
// serializers number them (their MessageIndexFinder: a level-order walk, then a sort).
std::vector<const pb::Descriptor*> messages_by_full_name(const pb::FileDescriptor& file) {
  std::vector<const pb::Descriptor*> all;
  for (int i = 0; i < file.message_type_count(); ++i) all.push_back(file.message_type(i));
  for (std::size_t i = 0; i < all.size(); ++i) {  // grows as it goes: every nested type once
    for (int n = 0; n < all[i]->nested_type_count(); ++n) all.push_back(all[i]->nested_type(n));
  }
  std::sort(all.begin(), all.end(), [](const pb::Descriptor* a, const pb::Descriptor* b) {
    return a->full_name() < b->full_name();
  });
  return all;
}

class ProtobufSchema final : public Schema {
 public:
  ProtobufSchema(std::unique_ptr<pb::DescriptorPool> pool, const pb::FileDescriptor* file,
                 Framing framing)
      : pool_(std::move(pool)), file_(file), framing_(framing) {
    if (framing_ == Framing::Glue) glue_order_ = messages_by_full_name(*file_);
  }
  std::string_view data_format() const override { return "PROTOBUF"; }

  std::variant<std::string, Undecodable> to_json(std::string_view body) const override {
    const pb::Descriptor* type = nullptr;
    std::string_view bytes;
    if (framing_ == Framing::Glue) {
      const auto framed = glue_protobuf_body(body);
      if (!framed) return Undecodable{"no valid Protobuf message index after the schema version"};
      if (framed->message_index >= glue_order_.size())
        return Undecodable{"the message index names no message of the schema"};
      type = glue_order_[framed->message_index];
      bytes = framed->message;
    } else {
      const auto framed = protobuf_body(body);
      if (!framed) return Undecodable{"no valid Protobuf message indexes after the schema id"};
      type = message_type(framed->message_indexes);
      if (type == nullptr) return Undecodable{"the message indexes name no message of the schema"};
      bytes = framed->message;
    }
    std::unique_ptr<pb::Message> message(factory_.GetPrototype(type)->New());
    if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      return Undecodable{"not a valid Protobuf " + type->full_name() + " message"};
    pb::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    std::string json;
    const auto status = pb::util::MessageToJsonString(*message, &json, options);
    if (!status.ok()) return Undecodable{"Protobuf to JSON: " + status.ToString()};
    return json;
  }

 private:
  // Confluent's message indexes: the first among the file's messages, then each among the
  // nested types of the one before.
  const pb::Descriptor* message_type(const std::vector<int>& indexes) const {
    const pb::Descriptor* type = nullptr;
    for (std::size_t i = 0; i < indexes.size(); ++i) {
      const int n = indexes[i];
      if (i == 0) {
        if (n >= file_->message_type_count()) return nullptr;
        type = file_->message_type(n);
      } else {
        if (n >= type->nested_type_count()) return nullptr;
        type = type->nested_type(n);
      }
    }
    return type;
  }

  std::unique_ptr<pb::DescriptorPool> pool_;
  const pb::FileDescriptor* file_;
  const Framing framing_;
  std::vector<const pb::Descriptor*> glue_order_;  // Glue: the message types by index
  mutable pb::DynamicMessageFactory factory_;      // the consumer thread's alone
};

}  // namespace

std::variant<std::unique_ptr<Schema>, Undecodable> compile_protobuf(const SchemaText& schema) {
  // Underlay: the library's generated pool, which holds the well-known types.
  auto pool = std::make_unique<pb::DescriptorPool>(pb::DescriptorPool::generated_pool());
  PoolErrors errors;
  for (const auto& [name, text] : schema.references) {
    if (pb::DescriptorPool::generated_pool()->FindFileByName(name) != nullptr) continue;
    auto file = parse_proto(name, text);
    if (auto* bad = std::get_if<Undecodable>(&file)) return *bad;
    if (pool->BuildFileCollectingErrors(std::get<pb::FileDescriptorProto>(file), &errors) ==
        nullptr)
      return Undecodable{"the Protobuf schema's reference " + name +
                         " is not valid: " + errors.first};
  }
  auto file = parse_proto("schema.proto", schema.text);
  if (auto* bad = std::get_if<Undecodable>(&file)) return *bad;
  const pb::FileDescriptor* built =
      pool->BuildFileCollectingErrors(std::get<pb::FileDescriptorProto>(file), &errors);
  if (built == nullptr) return Undecodable{"the Protobuf schema is not valid: " + errors.first};
  return std::unique_ptr<Schema>(
      std::make_unique<ProtobufSchema>(std::move(pool), built, schema.framing));
}

}  // namespace esm::schema_registry
