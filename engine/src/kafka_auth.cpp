#include "engine/kafka_auth.hpp"

#include <librdkafka/rdkafka.h>

#include <vector>

#include "access_secrets.hpp"

namespace esm::engine {

namespace {

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

}  // namespace

std::variant<KafkaSecurity, StopReason> kafka_security(const api_models::EventSourceMapping& m,
                                                       const SecretLookup& lookup) {
  KafkaSecurity out;
  const api_models::SourceAccessConfiguration* auth = nullptr;
  const api_models::SourceAccessConfiguration* root_ca = nullptr;
  for (const auto& sac : m.source_access_configurations) {
    if (sac.type == "SERVER_ROOT_CA_CERTIFICATE") {
      root_ca = &sac;
    } else if (sac.type == "BASIC_AUTH" || sac.type == "SASL_SCRAM_256_AUTH" ||
               sac.type == "SASL_SCRAM_512_AUTH" || sac.type == "CLIENT_CERTIFICATE_TLS_AUTH") {
      auth = &sac;  // validation at Create/Update allows one at most
    }
  }
  auto& p = out.properties;
  if (root_ca != nullptr) {
    auto ca = read_root_ca(*root_ca, lookup, authn(kBadCertificate));
    if (auto* stop = std::get_if<StopReason>(&ca)) return *stop;
    p["ssl.ca.pem"] = std::get<std::string>(ca);
    out.tls = true;
  }
  if (auth == nullptr) {
    if (root_ca != nullptr) {
      p["security.protocol"] = "SSL";
      out.summary = "TLS, brokers verified with the root CA from " + root_ca->uri;
    } else {
      out.summary = "plaintext";
    }
    return out;
  }
  if (auth->type == "CLIENT_CERTIFICATE_TLS_AUTH") {
    auto c = read_client_certificate(*auth, lookup, authn(kBadCertificate));
    if (auto* stop = std::get_if<StopReason>(&c)) return *stop;
    auto& cert = std::get<ClientCertificate>(c);
    p["security.protocol"] = "SSL";
    p["ssl.certificate.pem"] = cert.certificate;
    p["ssl.key.pem"] = cert.private_key;
    if (!cert.password.empty()) p["ssl.key.password"] = cert.password;
    out.tls = true;
    out.summary = "mutual TLS with the client certificate from " + auth->uri;
    return out;
  }
  constexpr std::string_view kSaslFormat = R"(a JSON object with "username" and "password")";
  auto s = read_secret(*auth, lookup, kSaslFormat);
  if (auto* stop = std::get_if<StopReason>(&s)) return *stop;
  const auto& doc = std::get<SecretJson>(s).doc;
  auto user = member(doc, "username");
  auto password = member(doc, "password");
  if (!user || !password) return bad_format(*auth, kSaslFormat);
  const std::string mechanism = auth->type == "BASIC_AUTH"            ? "PLAIN"
                                : auth->type == "SASL_SCRAM_256_AUTH" ? "SCRAM-SHA-256"
                                                                      : "SCRAM-SHA-512";
  p["security.protocol"] = "SASL_SSL";
  p["sasl.mechanisms"] = mechanism;
  p["sasl.username"] = *user;
  p["sasl.password"] = *password;
  out.summary = "SASL_SSL " + mechanism + " as user " + *user;
  return out;
}

std::string sasl_failure_result(std::string_view sasl_mechanism, int version) {
  constexpr int kScramKafka4Fixed = 0x02060100;  // 2.6.1
  std::string result(kSaslFailed);
  if (sasl_mechanism.rfind("SCRAM", 0) != 0 || version >= kScramKafka4Fixed) return result;
  const std::string v = std::to_string((version >> 24) & 0xff) + "." +
                        std::to_string((version >> 16) & 0xff) + "." +
                        std::to_string((version >> 8) & 0xff);
  return result + " If the broker runs Kafka 4.x, the credentials may be right: librdkafka " + v +
         " cannot complete SCRAM logins to Kafka 4.x brokers (confluentinc/librdkafka#4895, "
         "fixed in 2.6.1). Build esm-emulator with librdkafka 2.6.1 or later, or use BASIC_AUTH "
         "or CLIENT_CERTIFICATE_TLS_AUTH.";
}

std::optional<StopReason> classify_kafka_failure(int err, std::string_view text,
                                                 std::string_view sasl_mechanism) {
  switch (static_cast<rd_kafka_resp_err_t>(err)) {
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return StopReason{std::string(kAuthzError), std::string(kNotAuthorized)};
    default:
      break;
  }
  // TLS failures arrive as transport or SSL errors; OpenSSL's words tell which side refused.
  if (contains(text, "certificate verify failed")) return authn(kServerNotTrusted);
  static constexpr std::string_view kPeerRefusedUs[] = {
      "alert bad certificate",        "alert certificate unknown",
      "alert certificate required",   "alert unknown ca",
      "alert certificate expired",    "alert certificate revoked",
      "alert unsupported certificate"};
  for (auto phrase : kPeerRefusedUs) {
    if (contains(text, phrase)) return authn(kClientRejected);
  }
  if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
      err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
      contains(text, "SASL authentication")) {
    return StopReason{std::string(kAuthnError),
                      sasl_failure_result(sasl_mechanism, rd_kafka_version())};
  }
  return std::nullopt;
}

}  // namespace esm::engine
