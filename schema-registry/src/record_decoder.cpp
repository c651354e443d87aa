#include "schema_registry/record_decoder.hpp"

#include "schema_cache.hpp"
#include "wire_format.hpp"

namespace esm::schema_registry {

namespace {

// Glue's zlib data inflates to at most this: a larger record could not be sent anyway (AWS's
// invocation payload limit, 6 MB, as base64 in the event).
constexpr std::size_t kMaxInflated = 6 * 1024 * 1024;

// A field without the registry's framing: the schema id it names and the encoded data after it,
// in the record or, when it came compressed, inflated here (no view into the struct's own
// string: a short one lives inside the struct and moves with it).
struct Unframed {
  std::string id;
  std::string_view framed_body;
  std::optional<std::string> inflated;
  std::string_view body() const { return inflated ? std::string_view(*inflated) : framed_body; }
};

std::variant<Unframed, DecodeOutcome> unframe(const RegistrySettings& settings,
                                              std::string_view bytes, const std::string& of) {
  auto error = [&](std::string why) {
    return DecodeOutcome{DecodeStatus::DeserializationError, std::move(why) + of, nullptr};
  };
  if (!settings.glue()) {
    const auto frame = confluent_frame(bytes);
    if (!frame) return error("not in the schema registry's wire format (magic byte 0, schema id)");
    return Unframed{std::to_string(frame->schema_id), frame->body, std::nullopt};
  }
  auto frame = glue_frame(bytes);
  if (!frame) {
    return error(
        "not in AWS Glue's wire format (header version 3, compression 0 or 5, schema version "
        "id)");
  }
  Unframed out{std::move(frame->schema_version_id), frame->body, std::nullopt};
  if (frame->zlib) {
    out.inflated = inflate_zlib(frame->body, kMaxInflated);
    if (!out.inflated) return error("zlib-compressed data that does not inflate");
  }
  return out;
}

// One field (key or value) decoded, or the outcome that stops the record.
std::variant<DecodedField, DecodeOutcome> decode_field(SchemaCache& cache,
                                                       const RegistrySettings& settings,
                                                       std::string_view field,
                                                       std::string_view bytes,
                                                       std::string* json_out) {
  const std::string of = std::string(" (record ") + std::string(field) + ")";
  auto unframed = unframe(settings, bytes, of);
  if (auto* stop = std::get_if<DecodeOutcome>(&unframed)) return std::move(*stop);
  auto& frame = std::get<Unframed>(unframed);
  const std::string& id = frame.id;
  auto found = cache.find(id);
  if (auto* down = std::get_if<RegistryDown>(&found))
    return DecodeOutcome{DecodeStatus::RegistryUnavailable, down->why, nullptr};
  if (auto* missing = std::get_if<SchemaMissing>(&found)) {
    return DecodeOutcome{DecodeStatus::SchemaNotFound,
                         "schema " + id + " not found in the registry" + of + ": " + missing->why,
                         nullptr};
  }
  if (auto* bad = std::get_if<Undecodable>(&found)) {
    return DecodeOutcome{DecodeStatus::DeserializationError, "schema " + id + ": " + bad->why + of,
                         nullptr};
  }
  const Schema& schema = *std::get<const Schema*>(found);
  auto json = schema.to_json(frame.body());
  if (auto* bad = std::get_if<Undecodable>(&json)) {
    return DecodeOutcome{DecodeStatus::DeserializationError, "schema " + id + ": " + bad->why + of,
                         nullptr};
  }
  DecodedField out;
  out.schema_id = id;
  if (settings.deliver_json) {
    out.bytes = std::move(std::get<std::string>(json));
    out.data_format = "JSON";  // filters read `bytes` itself
  } else {
    out.bytes = std::string(schema.source_bytes(frame.body()));
    out.data_format = std::string(schema.data_format());
    if (json_out) *json_out = std::move(std::get<std::string>(json));
  }
  return out;
}

}  // namespace

RecordDecoder::RecordDecoder(RegistrySettings settings)
    : settings_(std::move(settings)),
      cache_(std::make_unique<SchemaCache>(settings_.glue() ? glue_registry(settings_)
                                                            : confluent_registry(settings_))) {}

RecordDecoder::~RecordDecoder() = default;

DecodeOutcome RecordDecoder::decode(std::optional<std::string_view> key,
                                    std::optional<std::string_view> value) {
  auto record = std::make_unique<DecodedRecord>();
  if (settings_.decode_key && key) {
    auto field = decode_field(*cache_, settings_, "key", *key, nullptr);
    if (auto* stop = std::get_if<DecodeOutcome>(&field)) return std::move(*stop);
    record->key = std::move(std::get<DecodedField>(field));
  }
  if (settings_.decode_value && value) {
    std::string json;
    auto field = decode_field(*cache_, settings_, "value", *value, &json);
    if (auto* stop = std::get_if<DecodeOutcome>(&field)) return std::move(*stop);
    record->value = std::move(std::get<DecodedField>(field));
    if (!settings_.deliver_json) record->value_json = std::move(json);
  }
  return DecodeOutcome{DecodeStatus::Ok, {}, std::move(record)};
}

}  // namespace esm::schema_registry
