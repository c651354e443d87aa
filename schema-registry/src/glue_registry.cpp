// An AWS Glue schema registry: a record names its schema version by UUID, read with Glue's
// GetSchemaVersion (JSON 1.1, SigV4) through the operator's endpoint (--aws-endpoint or
// --glue-endpoint: moto's server, LocalStack, AWS).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "aws_client/services.hpp"
#include "schema_source.hpp"

namespace esm::schema_registry {

namespace {

const char* string_member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : nullptr;
}

std::string request_body(const std::string& version_id) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("SchemaVersionId");
  w.String(version_id.data(), static_cast<rapidjson::SizeType>(version_id.size()));
  w.EndObject();
  return out.GetString();
}

// "schema/REGISTRY/NAME" of a schema ARN (or "registry/REGISTRY" of a registry's): REGISTRY.
std::string registry_name(std::string_view resource) {
  const auto slash = resource.find('/');
  if (slash == std::string_view::npos) return {};
  resource.remove_prefix(slash + 1);
  return std::string(resource.substr(0, resource.find('/')));
}

class GlueRegistry final : public SchemaSource {
 public:
  explicit GlueRegistry(const RegistrySettings& settings)
      : settings_(settings), arn_(aws::parse_arn(settings.uri)) {}

  std::variant<SchemaText, SchemaMissing, RegistryDown> fetch(const std::string& id) override {
    if (!arn_ || arn_->service != "glue" || arn_->resource.rfind("registry/", 0) != 0)
      return RegistryDown{"The SchemaRegistryURI " + settings_.uri +
                          " is not an AWS Glue registry's ARN (arn:aws:glue:REGION:ACCOUNT:"
                          "registry/NAME)"};
    if (!settings_.aws) return RegistryDown{"AWS Glue cannot be reached: no AWS endpoints"};
    auto reply = settings_.aws->json_call("glue", arn_->region, "AWSGlue.GetSchemaVersion",
                                          request_body(id));
    const std::string what = "The AWS Glue schema registry " + settings_.uri;
    if (auto* failure = std::get_if<std::string>(&reply))
      return RegistryDown{what + " could not be reached: " + *failure};
    const auto& r = std::get<aws::HttpReply>(reply);
    const std::string summary = aws::error_summary(r.body);
    if (r.status != 200) {
      if (r.status == 400 && summary.rfind("EntityNotFoundException", 0) == 0)
        return SchemaMissing{"GetSchemaVersion answered " + summary};
      return RegistryDown{what + " answered HTTP " + std::to_string(r.status) + ": " + summary};
    }
    return schema_version(id, r.body);
  }

 private:
  // GetSchemaVersion's answer: the definition and format of an AVAILABLE version of this registry.
  std::variant<SchemaText, SchemaMissing, RegistryDown> schema_version(const std::string& id,
                                                                       const std::string& body) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
    const char* definition = d.HasParseError() ? nullptr : string_member(d, "SchemaDefinition");
    const char* format = definition ? string_member(d, "DataFormat") : nullptr;
    if (format == nullptr)
      return RegistryDown{"GetSchemaVersion's answer for " + id +
                          " has no SchemaDefinition and DataFormat"};
    const char* status = string_member(d, "Status");
    if (status != nullptr && std::string_view(status) == "PENDING")
      return RegistryDown{"schema version " + id + " is still PENDING in AWS Glue"};
    if (status != nullptr && std::string_view(status) != "AVAILABLE")
      return SchemaMissing{"schema version " + id + " is " + status + " in AWS Glue"};
    const char* schema_arn = string_member(d, "SchemaArn");
    const auto parsed = aws::parse_arn(schema_arn ? schema_arn : "");
    const std::string registry = parsed ? registry_name(parsed->resource) : "";
    if (registry != registry_name(arn_->resource)) {
      return SchemaMissing{"schema version " + id + " belongs to the registry '" + registry +
                           "', not to " + settings_.uri};
    }
    SchemaText out;
    out.type = format;
    out.text = definition;
    out.framing = Framing::Glue;
    return out;
  }

  const RegistrySettings& settings_;
  const std::optional<aws::Arn> arn_;
};

}  // namespace

std::unique_ptr<SchemaSource> glue_registry(const RegistrySettings& settings) {
  return std::make_unique<GlueRegistry>(settings);
}

}  // namespace esm::schema_registry
