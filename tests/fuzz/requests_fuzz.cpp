// libFuzzer target for every request parser the HTTP port feeds with client bytes: each Lambda
// operation's body, the List and Untag query strings (through the server's query splitter),
// tag ARNs and path UUIDs, percent-decoding, and each Secrets Manager body. The first byte
// picks the parser; the rest is the input. An exception escaping a parser is a finding (the
// server would answer 500), as is any sanitizer report.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "api_models/requests.hpp"
#include "api_models/secrets.hpp"
#include "router.hpp"

using namespace esm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  const api_models::RequestContext ctx{"us-east-1", "000000000000"};
  switch (data[0] % 14) {
    case 0:
      (void)api_models::parse_create_request(in, ctx);
      break;
    case 1: {
      auto u = api_models::parse_update_request(in);
      if (u.ok()) {
        auto base = api_models::parse_create_request(
            R"({"FunctionName":"f","Topics":["tt"],"SelfManagedEventSource":{"Endpoints":)"
            R"({"KAFKA_BOOTSTRAP_SERVERS":["k:9092"]}},"SourceAccessConfigurations":)"
            R"([{"Type":"VPC_SUBNET","URI":"subnet:s"}]})",
            ctx);
        if (base.ok()) (void)api_models::apply_update(u.value(), ctx, base.value().mapping);
      }
      break;
    }
    case 2: {
      std::multimap<std::string, std::string> q;
      if (server::parse_query(in, q)) (void)api_models::parse_list_query(q);
      break;
    }
    case 3: {
      std::multimap<std::string, std::string> q;
      if (server::parse_query(in, q)) (void)api_models::parse_untag_query(q);
      break;
    }
    case 4:
      (void)api_models::parse_tag_request(in);
      break;
    case 5:
      (void)api_models::mapping_uuid_from_arn(in);
      (void)api_models::validate_uuid(in);
      break;
    case 6: {
      std::string out;
      (void)server::percent_decode(in, out, false);
      (void)server::percent_decode(in, out, true);
      break;
    }
    case 7:
      (void)api_models::parse_create_secret(in, ctx);
      break;
    case 8: {
      auto r = api_models::parse_get_secret_value(in);
      auto s = api_models::parse_create_secret(R"({"Name":"n","SecretString":"v"})", ctx);
      if (r.ok() && s.ok()) (void)api_models::select_version(s.value(), r.value());
      break;
    }
    case 9: {
      auto r = api_models::parse_put_secret_value(in);
      auto s = api_models::parse_create_secret(R"({"Name":"n","SecretString":"v"})", ctx);
      if (r.ok() && s.ok()) (void)api_models::apply_put_secret_value(r.value(), s.value());
      break;
    }
    case 10:
      (void)api_models::parse_secret_id(in);
      break;
    case 11: {
      auto r = api_models::parse_list_secrets(in);
      auto s = api_models::parse_create_secret(R"({"Name":"n","SecretString":"v"})", ctx);
      if (r.ok() && s.ok()) (void)api_models::secret_matches(r.value(), s.value());
      break;
    }
    case 12:
      (void)api_models::parse_delete_secret(in);
      break;
    case 13:
      (void)api_models::secrets_op(in);
      (void)api_models::secret_from_storage(in);
      break;
  }
  return 0;
}
