// A Confluent-compatible registry's REST API: GET /schemas/ids/{id}, and for Protobuf the
// subjects its references name (GET /subjects/{subject}/versions/{version}).
#include <rapidjson/document.h>

#include "api_models/base64.hpp"
#include "aws_client/sigv4.hpp"
#include "schema_source.hpp"

namespace esm::schema_registry {

namespace {

constexpr std::size_t kMaxReferences = 64;

const char* string_member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : nullptr;
}

class ConfluentRegistry final : public SchemaSource {
 public:
  explicit ConfluentRegistry(const RegistrySettings& settings)
      : settings_(settings), endpoint_(aws::parse_http_endpoint(settings.uri)) {
    if (auto* e = std::get_if<aws::HttpEndpoint>(&endpoint_)) {
      e->ca_file = settings.ca_file;
      e->tls_material = settings.tls_material;
    }
  }

  std::variant<SchemaText, SchemaMissing, RegistryDown> fetch(const std::string& id) override {
    auto body = get("/schemas/ids/" + id);
    if (auto* missing = std::get_if<SchemaMissing>(&body)) return *missing;
    if (auto* down = std::get_if<RegistryDown>(&body)) return *down;
    rapidjson::Document d;
    const auto& text = std::get<std::string>(body);
    d.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
    const char* schema = d.HasParseError() ? nullptr : string_member(d, "schema");
    if (schema == nullptr)
      return RegistryDown{"The registry's answer for schema " + id + " has no \"schema\""};
    SchemaText out;
    out.text = schema;
    if (const char* type = string_member(d, "schemaType")) out.type = type;
    auto refs = d.FindMember("references");
    if (refs == d.MemberEnd() || !refs->value.IsArray()) return out;
    // Protobuf imports registered as other subjects: their texts, by the name the import uses.
    for (const auto& ref : refs->value.GetArray()) {
      const char* name = string_member(ref, "name");
      const char* subject = string_member(ref, "subject");
      auto version = ref.IsObject() ? ref.FindMember("version") : ref.MemberEnd();
      if (name == nullptr || subject == nullptr || version == ref.MemberEnd() ||
          !version->value.IsInt() || out.references.size() >= kMaxReferences) {
        continue;
      }
      auto referenced = get("/subjects/" + aws::uri_encode(subject, false) + "/versions/" +
                            std::to_string(version->value.GetInt()));
      if (auto* missing = std::get_if<SchemaMissing>(&referenced)) return *missing;
      if (auto* down = std::get_if<RegistryDown>(&referenced)) return *down;
      rapidjson::Document r;
      const auto& rtext = std::get<std::string>(referenced);
      r.Parse<rapidjson::kParseIterativeFlag>(rtext.data(), rtext.size());
      if (const char* s = r.HasParseError() ? nullptr : string_member(r, "schema"))
        out.references[name] = s;
    }
    return out;
  }

 private:
  // GET `path` of the registry: the body of a 200, SchemaMissing for a 404, else RegistryDown.
  std::variant<std::string, SchemaMissing, RegistryDown> get(const std::string& path) {
    const auto* endpoint = std::get_if<aws::HttpEndpoint>(&endpoint_);
    if (endpoint == nullptr)
      return RegistryDown{"The SchemaRegistryURI cannot be used: " +
                          std::get<std::string>(endpoint_)};
    std::map<std::string, std::string> headers{
        {"host", endpoint->host_header()},
        {"accept", "application/vnd.schemaregistry.v1+json, application/json"}};
    if (settings_.basic_auth)
      headers["authorization"] = "Basic " + api_models::base64(*settings_.basic_auth);
    auto reply = aws::http_request(*endpoint, "GET", endpoint->path_prefix + path, headers, "",
                                   settings_.timeout);
    if (auto* failure = std::get_if<std::string>(&reply)) {
      return RegistryDown{"The schema registry " + settings_.uri +
                          " could not be reached: " + *failure};
    }
    auto& r = std::get<aws::HttpReply>(reply);
    if (r.status == 200) return std::move(r.body);
    if (r.status == 404)
      return SchemaMissing{settings_.uri + path + " answered 404: " + r.body.substr(0, 200)};
    if (r.status == 401 || r.status == 403) {
      return RegistryDown{"The schema registry " + settings_.uri +
                          " refused the credentials (HTTP " + std::to_string(r.status) + ")"};
    }
    return RegistryDown{"The schema registry " + settings_.uri + " answered HTTP " +
                        std::to_string(r.status) + " for " + path};
  }

  const RegistrySettings& settings_;
  std::variant<aws::HttpEndpoint, std::string> endpoint_;
};

}  // namespace

std::unique_ptr<SchemaSource> confluent_registry(const RegistrySettings& settings) {
  return std::make_unique<ConfluentRegistry>(settings);
}

}  // namespace esm::schema_registry
