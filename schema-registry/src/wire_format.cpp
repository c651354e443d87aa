#include "wire_format.hpp"

#include <zlib.h>

#include <array>

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

// An unsigned varint of at most 32 bits from the front of `in`.
std::optional<std::uint32_t> read_uvarint32(std::string_view& in) {
  std::uint32_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (in.empty()) return std::nullopt;
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    value |= static_cast<std::uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

constexpr char kGlueHeaderVersion = 3;
constexpr char kGlueNoCompression = 0;
constexpr char kGlueZlib = 5;
constexpr std::size_t kGlueHeaderSize = 18;

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

std::optional<GlueFrame> glue_frame(std::string_view bytes) {
  if (bytes.size() < kGlueHeaderSize || bytes[0] != kGlueHeaderVersion) return std::nullopt;
  if (bytes[1] != kGlueNoCompression && bytes[1] != kGlueZlib) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  GlueFrame out;
  out.schema_version_id.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.schema_version_id += '-';
    const auto byte = static_cast<unsigned char>(bytes[2 + i]);
    out.schema_version_id += kHex[byte >> 4];
    out.schema_version_id += kHex[byte & 0xf];
  }
  out.zlib = bytes[1] == kGlueZlib;
  out.body = bytes.substr(kGlueHeaderSize);
  return out;
}

std::optional<std::string> inflate_zlib(std::string_view data, std::size_t limit) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  std::array<char, 16384> chunk{};
  int rc = Z_OK;
  while (rc == Z_OK) {  // bounded: each turn consumes input or fills a chunk, and `limit` holds
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t produced = chunk.size() - z.avail_out;
    if (out.size() + produced > limit) {
      rc = Z_BUF_ERROR;  // over the limit: refused, however the stream goes on
      break;
    }
    out.append(chunk.data(), produced);
    if (rc == Z_OK && produced == 0 && z.avail_in == 0) break;  // truncated input
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END || z.avail_in != 0) return std::nullopt;
  return out;
}

std::optional<GlueProtobufBody> glue_protobuf_body(std::string_view body) {
  const auto index = read_uvarint32(body);
  if (!index) return std::nullopt;
  return GlueProtobufBody{*index, body};
}

}  // namespace esm::schema_registry
