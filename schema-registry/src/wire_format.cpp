#include "wire_format.hpp"

namespace esm::schema_registry {

namespace {

constexpr int kMaxMessageDepth = 100;  // message indexes: more is not a real schema's nesting

// A zigzag varint (as Kafka's and Confluent's serializers write them) from the front of `in`.
std::optional<std::int64_t> read_zigzag(std::string_view& in) {
  std::uint64_t raw = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return std::nullopt;
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    raw |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      return static_cast<std::int64_t>(raw >> 1) ^ -static_cast<std::int64_t>(raw & 1);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ConfluentFrame> confluent_frame(std::string_view bytes) {
  if (bytes.size() < 5 || bytes[0] != '\0') return std::nullopt;
  std::uint32_t id = 0;
  for (int i = 1; i < 5; ++i) id = (id << 8) | static_cast<unsigned char>(bytes[i]);
  return ConfluentFrame{id, bytes.substr(5)};
}

std::optional<ProtobufBody> protobuf_body(std::string_view body) {
  ProtobufBody out;
  const auto count = read_zigzag(body);
  if (!count || *count < 0 || *count > kMaxMessageDepth) return std::nullopt;
  for (std::int64_t i = 0; i < *count; ++i) {
    const auto index = read_zigzag(body);
    if (!index || *index < 0 || *index > 1'000'000) return std::nullopt;
    out.message_indexes.push_back(static_cast<int>(*index));
  }
  if (out.message_indexes.empty()) out.message_indexes.push_back(0);
  out.message = body;
  return out;
}

}  // namespace esm::schema_registry
