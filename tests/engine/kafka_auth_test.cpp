#include "engine/kafka_auth.hpp"

#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <map>

using namespace esm;
using api_models::EventSourceMapping;
using engine::KafkaSecurity;
using engine::StopReason;

namespace {

constexpr const char* kCert = "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n";
constexpr const char* kKey = "-----BEGIN PRIVATE KEY-----\nREVG\n-----END PRIVATE KEY-----\n";

// Secrets by ARN, as the store would answer.
struct Secrets {
  std::map<std::string, std::string> values;
  engine::SecretLookup lookup() const {
    return [this](const std::string& id) -> api_models::Result<api_models::Secret> {
      auto it = values.find(id);
      if (it == values.end())
        return api_models::ApiError{api_models::ErrorCode::ResourceNotFound, "missing"};
      api_models::Secret s;
      s.name = id;
      s.arn = id;
      api_models::SecretVersion v;
      v.id = "v";
      v.string_value = it->second;
      v.stages = {"AWSCURRENT"};
      s.versions.push_back(v);
      return s;
    };
  }
};

EventSourceMapping with(std::vector<api_models::SourceAccessConfiguration> sacs) {
  EventSourceMapping m;
  m.source_access_configurations = std::move(sacs);
  return m;
}

std::string json(std::map<std::string, std::string> members) {
  std::string out = "{";
  for (const auto& [k, v] : members) {
    if (out.size() > 1) out += ",";
    std::string escaped;
    for (char c : v) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
    out += "\"" + k + "\":\"" + escaped + "\"";
  }
  return out + "}";
}

}  // namespace

TEST_CASE("kafka_security: each authentication type becomes its librdkafka settings", "[auth]") {
  Secrets s;
  s.values["arn:sasl"] = R"({"username":"alice","password":"pw"})";
  s.values["arn:ca"] = json({{"certificate", kCert}});
  s.values["arn:mtls"] =
      json({{"certificate", kCert}, {"privateKey", kKey}, {"privateKeyPassword", "kp"}});

  auto scram = engine::kafka_security(
      with({{"SASL_SCRAM_512_AUTH", "arn:sasl"}, {"SERVER_ROOT_CA_CERTIFICATE", "arn:ca"}}),
      s.lookup());
  auto& p = std::get<KafkaSecurity>(scram).properties;
  CHECK(p.at("security.protocol") == "SASL_SSL");
  CHECK(p.at("sasl.mechanisms") == "SCRAM-SHA-512");
  CHECK(p.at("sasl.username") == "alice");
  CHECK(p.at("sasl.password") == "pw");
  CHECK(p.at("ssl.ca.pem") == kCert);
  CHECK(std::get<KafkaSecurity>(scram).summary.find("pw") == std::string::npos);

  auto plain = engine::kafka_security(with({{"BASIC_AUTH", "arn:sasl"}}), s.lookup());
  CHECK(std::get<KafkaSecurity>(plain).properties.at("sasl.mechanisms") == "PLAIN");
  auto s256 = engine::kafka_security(with({{"SASL_SCRAM_256_AUTH", "arn:sasl"}}), s.lookup());
  CHECK(std::get<KafkaSecurity>(s256).properties.at("sasl.mechanisms") == "SCRAM-SHA-256");

  auto mtls =
      engine::kafka_security(with({{"CLIENT_CERTIFICATE_TLS_AUTH", "arn:mtls"}}), s.lookup());
  auto& m = std::get<KafkaSecurity>(mtls);
  CHECK(m.properties.at("security.protocol") == "SSL");
  CHECK(m.properties.at("ssl.certificate.pem") == kCert);
  CHECK(m.properties.at("ssl.key.pem") == kKey);
  CHECK(m.properties.at("ssl.key.password") == "kp");
  CHECK(m.tls);

  auto tls = engine::kafka_security(with({{"SERVER_ROOT_CA_CERTIFICATE", "arn:ca"}}), s.lookup());
  CHECK(std::get<KafkaSecurity>(tls).properties.at("security.protocol") == "SSL");

  auto vpc = engine::kafka_security(with({{"VPC_SUBNET", "subnet:s"}}), s.lookup());
  CHECK(std::get<KafkaSecurity>(vpc).properties.empty());
}

TEST_CASE(
    "kafka_security: missing or malformed secrets stop with ESM_CONFIG_NOT_VALID, bad PEM "
    "with EVENT_SOURCE_AUTHN_ERROR",
    "[auth]") {
  Secrets s;
  s.values["arn:text"] = "alice:pw";
  s.values["arn:nopw"] = R"({"username":"alice"})";
  s.values["arn:pkcs1"] =
      json({{"certificate", kCert},
            {"privateKey", "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----"}});
  s.values["arn:nocert"] = json({{"certificate", "hello"}, {"privateKey", kKey}});
  auto stop = [&](const char* type, const char* arn) {
    auto r = engine::kafka_security(with({{type, arn}}), s.lookup());
    REQUIRE(std::holds_alternative<StopReason>(r));
    return std::get<StopReason>(r);
  };
  CHECK(stop("SASL_SCRAM_512_AUTH", "arn:absent").reason == "ESM_CONFIG_NOT_VALID");
  CHECK(stop("SASL_SCRAM_512_AUTH", "arn:absent").result.find("cannot be found") !=
        std::string::npos);
  CHECK(stop("BASIC_AUTH", "arn:text").reason == "ESM_CONFIG_NOT_VALID");
  const auto nopw = stop("BASIC_AUTH", "arn:nopw");
  CHECK(nopw.reason == "ESM_CONFIG_NOT_VALID");
  CHECK(nopw.result.find("alice") == std::string::npos);  // the value is not quoted
  CHECK(stop("CLIENT_CERTIFICATE_TLS_AUTH", "arn:pkcs1") ==
        StopReason{"EVENT_SOURCE_AUTHN_ERROR", std::string(engine::kBadCertificate)});
  CHECK(stop("CLIENT_CERTIFICATE_TLS_AUTH", "arn:nocert").reason == "EVENT_SOURCE_AUTHN_ERROR");
}

TEST_CASE("classify_kafka_failure: librdkafka's errors map to AWS's reasons", "[auth]") {
  using engine::classify_kafka_failure;
  CHECK(classify_kafka_failure(RD_KAFKA_RESP_ERR__AUTHENTICATION,
                               "SASL authentication error: Authentication failed")
            ->result == engine::kSaslFailed);
  CHECK(classify_kafka_failure(RD_KAFKA_RESP_ERR__SSL,
                               "SSL handshake failed: error:0A000086:SSL routines::certificate "
                               "verify failed: broker certificate could not be verified")
            ->result == engine::kServerNotTrusted);
  CHECK(classify_kafka_failure(RD_KAFKA_RESP_ERR__TRANSPORT,
                               "Receive failed: SSL routines::sslv3 alert certificate unknown")
            ->result == engine::kClientRejected);
  const auto authz = classify_kafka_failure(RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, "x");
  CHECK(authz->reason == "EVENT_SOURCE_AUTHZ_ERROR");
  CHECK(classify_kafka_failure(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "")->result ==
        engine::kNotAuthorized);
  CHECK_FALSE(classify_kafka_failure(RD_KAFKA_RESP_ERR__TRANSPORT, "Connection refused"));
  CHECK_FALSE(classify_kafka_failure(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down"));
}

TEST_CASE("A failed SCRAM login on librdkafka < 2.6.1 names the Kafka 4.x nonce bug", "[auth]") {
  using engine::sasl_failure_result;
  const std::string plain(engine::kSaslFailed);
  CHECK(sasl_failure_result("PLAIN", 0x020002ff) == plain);
  CHECK(sasl_failure_result("", 0x020002ff) == plain);
  CHECK(sasl_failure_result("SCRAM-SHA-512", 0x020601ff) == plain);
  CHECK(sasl_failure_result("SCRAM-SHA-256", 0x02100000) == plain);
  const auto old = sasl_failure_result("SCRAM-SHA-256", 0x020002ff);
  CHECK(old.rfind(plain, 0) == 0);
  CHECK(old.find("librdkafka 2.0.2 cannot complete SCRAM logins to Kafka 4.x") !=
        std::string::npos);
  CHECK(old.find("confluentinc/librdkafka#4895") != std::string::npos);
  CHECK(old.find("2.6.1") != std::string::npos);
  // Through the classifier, with the consumer's mechanism.
  const auto stop = engine::classify_kafka_failure(RD_KAFKA_RESP_ERR__AUTHENTICATION,
                                                   "SASL authentication error", "SCRAM-SHA-512");
  CHECK(stop->reason == "EVENT_SOURCE_AUTHN_ERROR");
  CHECK(stop->result == sasl_failure_result("SCRAM-SHA-512", rd_kafka_version()));
}
