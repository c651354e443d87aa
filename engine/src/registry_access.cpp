#include "engine/registry_access.hpp"

#include "access_secrets.hpp"

namespace esm::engine {

std::variant<schema_registry::RegistrySettings, StopReason> schema_registry_settings(
    const api_models::DeliveryOptions& o, const SecretLookup& lookup,
    std::vector<std::string>& not_performed) {
  schema_registry::RegistrySettings out;
  out.uri = o.schema_registry_uri.value_or("");
  out.deliver_json = o.event_record_format.value_or("JSON") != "SOURCE";
  for (const auto& a : o.schema_validation_attributes) {
    out.decode_key |= a == "KEY";
    out.decode_value |= a == "VALUE";
  }
  for (const auto& [type, uri] : o.schema_registry_access) {
    if (type != "BASIC_AUTH") {
      not_performed.push_back(type);
      continue;
    }
    const api_models::SourceAccessConfiguration sac{type, uri};
    constexpr std::string_view kFormat = R"(a JSON object with "username" and "password")";
    auto s = read_secret(sac, lookup, kFormat);
    if (auto* stop = std::get_if<StopReason>(&s)) return *stop;
    const auto& doc = std::get<SecretJson>(s).doc;
    auto user = member(doc, "username");
    auto password = member(doc, "password");
    if (!user || !password) return bad_format(sac, kFormat);
    out.basic_auth = *user + ":" + *password;
  }
  return out;
}

}  // namespace esm::engine
