#pragma once

#include <cstdint>
#include <optional>
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

}  // namespace esm::schema_registry
