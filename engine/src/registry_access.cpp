#include "engine/registry_access.hpp"

#include "access_secrets.hpp"
#include "aws_client/http_client.hpp"

namespace esm::engine {

namespace {

// A registry certificate or key that is no PEM of its kind stops the mapping, naming the secret.
StopReason invalid_pem(const std::string& type, const std::string& uri) {
  return config_not_valid("The secret " + uri + " named by the schema registry's " + type +
                          " holds no valid PEM certificate" +
                          (type == "CLIENT_CERTIFICATE_TLS_AUTH" ? " and PKCS#8 private key" : "") +
                          ".");
}

}  // namespace

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
  std::string ca_pem;
  ClientCertificate client;
  for (const auto& [type, uri] : o.schema_registry_access) {
    if (out.glue()) {  // AWS reaches Glue with the execution role; the emulator with its own keys
      not_performed.push_back(type);
      continue;
    }
    const api_models::SourceAccessConfiguration sac{type, uri};
    if (type == "SERVER_ROOT_CA_CERTIFICATE") {
      auto ca = read_root_ca(sac, lookup, invalid_pem(type, uri));
      if (auto* stop = std::get_if<StopReason>(&ca)) return *stop;
      ca_pem = std::get<std::string>(std::move(ca));
    } else if (type == "CLIENT_CERTIFICATE_TLS_AUTH") {
      auto c = read_client_certificate(sac, lookup, invalid_pem(type, uri));
      if (auto* stop = std::get_if<StopReason>(&c)) return *stop;
      client = std::get<ClientCertificate>(std::move(c));
    } else if (type == "BASIC_AUTH") {
      constexpr std::string_view kFormat = R"(a JSON object with "username" and "password")";
      auto s = read_secret(sac, lookup, kFormat);
      if (auto* stop = std::get_if<StopReason>(&s)) return *stop;
      const auto& doc = std::get<SecretJson>(s).doc;
      auto user = member(doc, "username");
      auto password = member(doc, "password");
      if (!user || !password) return bad_format(sac, kFormat);
      out.basic_auth = *user + ":" + *password;
    } else {
      not_performed.push_back(type);  // Create and Update refuse the others
    }
  }
  if (!ca_pem.empty() || !client.certificate.empty()) {
    out.tls_material =
        aws::make_tls_material(std::move(ca_pem), std::move(client.certificate),
                               std::move(client.private_key), std::move(client.password));
  }
  return out;
}

}  // namespace esm::engine
