#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws_client/http_client.hpp"
#include "aws_client/services.hpp"

namespace esm::schema_registry {

// A mapping's SchemaRegistryConfig, resolved (secrets read) by the engine.
struct RegistrySettings {
  // A Confluent-compatible registry's URL (http or https), or an AWS Glue registry's ARN.
  std::string uri;
  bool deliver_json = true;               // EventRecordFormat JSON; false: SOURCE
  bool decode_key = false;                // SchemaValidationConfigs has KEY
  bool decode_value = false;              // ... VALUE
  std::optional<std::string> basic_auth;  // "user:password" (BASIC_AUTH), never logged
  std::string ca_file;  // https: the CAs trusted (--ca-file); "": the system's trust store
  // https: SERVER_ROOT_CA_CERTIFICATE's CA (trusted instead of the above) and
  // CLIENT_CERTIFICATE_TLS_AUTH's certificate, from their secrets. Null: neither.
  std::shared_ptr<const aws::TlsMaterial> tls_material;
  // AWS Glue: where its API is reached, with the operator's credentials (--aws-endpoint,
  // --glue-endpoint). Null: nowhere (every schema lookup says so).
  std::shared_ptr<const aws::AwsServices> aws;
  std::chrono::milliseconds timeout{5000};  // one registry request
  bool glue() const { return uri.rfind("arn:", 0) == 0; }
};

// What a record's key or value becomes: the bytes the event carries, and its metadata.
struct DecodedField {
  std::string bytes;        // JSON text (JSON) or the encoding without the framing (SOURCE)
  std::string data_format;  // dataFormat: "JSON" when delivered as JSON, else AVRO/PROTOBUF/JSON
  std::string schema_id;    // schemaId: the registry's id as a string; Glue's version UUID
};

struct DecodedRecord {
  std::optional<DecodedField> key;    // none: not decoded (not asked for, or a null key)
  std::optional<DecodedField> value;  // none: not decoded (not asked for, or a tombstone)
  // SOURCE: the value as JSON, what filters read (JSON: `value->bytes` is that already).
  std::optional<std::string> value_json;
  const std::string* filter_json() const {
    if (value_json) return &*value_json;
    return value && value->data_format == "JSON" ? &value->bytes : nullptr;
  }
};

enum class DecodeStatus {
  Ok,
  SchemaNotFound,        // the registry has no schema of the record's id: SCHEMA_NOT_FOUND
  DeserializationError,  // not the registry's wire format, or not valid for its schema
  RegistryUnavailable,   // the registry did not answer (try again later; nothing is decided)
};

struct DecodeOutcome {
  DecodeStatus status = DecodeStatus::Ok;
  std::string detail;  // for the log and LastProcessingResult: what failed, for which field
  std::unique_ptr<const DecodedRecord> record;  // Ok only
};

class SchemaCache;

// Decodes records as AWS's provisioned-mode poller does with a schema registry: the fields
// SchemaValidationConfigs names are read in the registry's wire format (Confluent's: magic byte
// 0, 4-byte schema id, Protobuf message indexes; AWS Glue's: header version 3, compression, the
// schema version's UUID, zlib when compressed), their schema fetched from the registry (cached
// by id) and the bytes deserialized with it (Avro, Protobuf or JSON Schema). One decoder per
// mapping runner, used by its consumer thread only.
class RecordDecoder {
 public:
  explicit RecordDecoder(RegistrySettings settings);
  ~RecordDecoder();
  RecordDecoder(const RecordDecoder&) = delete;
  RecordDecoder& operator=(const RecordDecoder&) = delete;

  DecodeOutcome decode(std::optional<std::string_view> key, std::optional<std::string_view> value);
  const RegistrySettings& settings() const { return settings_; }

 private:
  RegistrySettings settings_;
  std::unique_ptr<SchemaCache> cache_;
};

}  // namespace esm::schema_registry
