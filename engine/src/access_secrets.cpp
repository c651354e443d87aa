#include "access_secrets.hpp"

namespace esm::engine {

using api_models::JsonValue;

StopReason config_not_valid(std::string text) {
  return {std::string(kConfigNotValid), "PROBLEM: " + std::move(text)};
}

StopReason authn(std::string_view result) {
  return {std::string(kAuthnError), std::string(result)};
}

bool has_pem(std::string_view text, std::string_view label) {
  const std::string begin = "-----BEGIN " + std::string(label) + "-----";
  const std::string end = "-----END " + std::string(label) + "-----";
  const auto b = text.find(begin);
  return b != std::string_view::npos && text.find(end, b + begin.size()) != std::string_view::npos;
}

StopReason bad_format(const api_models::SourceAccessConfiguration& sac, std::string_view format) {
  return config_not_valid("The secret " + sac.uri + " named by " + sac.type +
                          " is not in the expected format: " + std::string(format) + ".");
}

std::variant<SecretJson, StopReason> read_secret(const api_models::SourceAccessConfiguration& sac,
                                                 const SecretLookup& lookup,
                                                 std::string_view format) {
  auto secret = lookup(sac.uri);
  if (!secret.ok() || secret.value().scheduled_for_deletion()) {
    return config_not_valid("The secret " + sac.uri + " named by " + sac.type +
                            " cannot be found in Secrets Manager.");
  }
  const auto* current = secret.value().current();
  if (current == nullptr || !current->string_value) return bad_format(sac, format);
  auto parsed = JsonValue::parse(*current->string_value);
  if (!parsed.ok() || !parsed.value().is_object()) return bad_format(sac, format);
  return SecretJson{std::move(parsed).value(), secret.value().name};
}

std::optional<std::string> member(const JsonValue& doc, std::string_view key) {
  const auto* v = doc.get(key);
  if (v == nullptr || !v->is_string() || v->as_string().empty()) return std::nullopt;
  return v->as_string();
}

std::variant<std::string, StopReason> read_root_ca(const api_models::SourceAccessConfiguration& sac,
                                                   const SecretLookup& lookup,
                                                   const StopReason& invalid) {
  constexpr std::string_view kFormat = R"(a JSON object with "certificate" (PEM))";
  auto s = read_secret(sac, lookup, kFormat);
  if (auto* stop = std::get_if<StopReason>(&s)) return *stop;
  auto cert = member(std::get<SecretJson>(s).doc, "certificate");
  if (!cert) return bad_format(sac, kFormat);
  if (!has_pem(*cert, "CERTIFICATE")) return invalid;
  return *cert;
}

std::variant<ClientCertificate, StopReason> read_client_certificate(
    const api_models::SourceAccessConfiguration& sac, const SecretLookup& lookup,
    const StopReason& invalid) {
  constexpr std::string_view kFormat =
      R"(a JSON object with "certificate" (PEM chain), "privateKey" (PKCS#8 PEM) and, for an encrypted key, "privateKeyPassword")";
  auto s = read_secret(sac, lookup, kFormat);
  if (auto* stop = std::get_if<StopReason>(&s)) return *stop;
  const auto& doc = std::get<SecretJson>(s).doc;
  auto cert = member(doc, "certificate");
  auto key = member(doc, "privateKey");
  if (!cert || !key) return bad_format(sac, kFormat);
  // PKCS#8 only, as AWS requires: "BEGIN PRIVATE KEY" or "BEGIN ENCRYPTED PRIVATE KEY".
  const bool pkcs8 = (has_pem(*key, "PRIVATE KEY") || has_pem(*key, "ENCRYPTED PRIVATE KEY")) &&
                     key->find("BEGIN RSA PRIVATE KEY") == std::string::npos &&
                     key->find("BEGIN EC PRIVATE KEY") == std::string::npos;
  if (!has_pem(*cert, "CERTIFICATE") || !pkcs8) return invalid;
  return ClientCertificate{*cert, *key, member(doc, "privateKeyPassword").value_or("")};
}

}  // namespace esm::engine
