#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esm::schema_registry {

// Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), the encoded data.
struct ConfluentFrame {
  std::uint32_t schema_id = 0;
  std::string_view body;  // what follows the id
};
std::optional<ConfluentFrame> confluent_frame(std::string_view bytes);

// Protobuf's body begins with the message indexes (zigzag varints: how many, then each; a
// single 0 for the file's first message): the path to the message type within the schema file.
struct ProtobufBody {
  std::vector<int> message_indexes;
  std::string_view message;  // the serialized message
};
std::optional<ProtobufBody> protobuf_body(std::string_view body);

// AWS Glue's wire format (its serializers, Java and Python alike): header version byte 3, a
// compression byte (0 none, 5 zlib), the schema version id (16 bytes of a UUID), the encoded
// data, zlib-compressed with compression 5.
struct GlueFrame {
  std::string schema_version_id;  // the UUID as text: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
  bool zlib = false;
  std::string_view body;  // what follows the id, compressed if `zlib`
};
std::optional<GlueFrame> glue_frame(std::string_view bytes);

// zlib data inflated, unless it is not valid zlib data or inflates to more than `limit` bytes.
std::optional<std::string> inflate_zlib(std::string_view data, std::size_t limit);

// Glue's Protobuf data begins with one unsigned varint: the message type's index among every
// message of the schema file (nested ones too) sorted by full name.
struct GlueProtobufBody {
  std::uint32_t message_index = 0;
  std::string_view message;
};
std::optional<GlueProtobufBody> glue_protobuf_body(std::string_view body);

}  // namespace esm::schema_registry
