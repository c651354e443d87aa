// libFuzzer target for every request parser the HTTP port feeds with client bytes: each Lambda
// operation's body, the List and Untag query strings (through the server's query splitter),
// tag ARNs and path UUIDs, percent-decoding, each Secrets Manager body, filter patterns with the
// record values they match, functions' partial batch responses, and the SigV4 verifier
// (Authorization header, presigned query, dates, canonical forms), the schema registry
// framing of Kafka records (Confluent's, Glue's with zlib), and their Avro, Protobuf and JSON
// Schema bodies read with a schema each (recursive ones included). The first byte
// picks the parser; the rest is the input. An exception escaping a parser is a finding (the
// server would answer 500), as is any sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api_models/batch_response.hpp"
#include "api_models/filter_pattern.hpp"
#include "api_models/offset_reset.hpp"
#include "api_models/requests.hpp"
#include "api_models/secret_admin.hpp"
#include "api_models/secrets.hpp"
#include "router.hpp"
#include "schema.hpp"
#include "sigv4.hpp"
#include "wire_format.hpp"

using namespace esm;

namespace {

// The stored secret the Secrets Manager inputs apply to.
api_models::Result<api_models::Secret> base_secret(const api_models::RequestContext& ctx) {
  return api_models::parse_create_secret(R"({"Name":"n","SecretString":"v"})", ctx);
}

// "METHOD\nPATH\nQUERY\nName: value\n...\n\nBODY" as the server would hand it to the verifier.
server::Request signed_request(std::string_view in) {
  server::Request r;
  auto line = [&in]() {
    const auto nl = in.find('\n');
    std::string_view l = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    return l;
  };
  r.method = std::string(line());
  r.path = std::string(line());
  (void)server::parse_query(line(), r.query);
  for (std::string_view h = line(); !h.empty(); h = line()) {
    const auto colon = h.find(':');
    std::string name(h.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = colon == std::string_view::npos ? "" : std::string(h.substr(colon + 1));
  }
  r.body = std::string(in);
  return r;
}

// The schemas records are read with, compiled once: every Avro type and a recursion through a
// union in an array; Protobuf scalars, maps, a oneof, an enum, a nested message, a well-known
// import and recursion; a JSON Schema that refers to itself.
const schema_registry::Schema& fuzz_schema(int which) {
  static const auto compiled = [] {
    const schema_registry::SchemaText texts[] = {
        {"AVRO",
         R"({"type":"record","name":"R","fields":[{"name":"b","type":"boolean"},)"
         R"({"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"f","type":"float"},)"
         R"({"name":"d","type":"double"},{"name":"s","type":"string"},{"name":"y","type":"bytes"},)"
         R"({"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},)"
         R"({"name":"x","type":{"type":"fixed","name":"F","size":3}},)"
         R"({"name":"a","type":{"type":"array","items":["null","R"]}},)"
         R"({"name":"m","type":{"type":"map","values":"double"}},)"
         R"({"name":"u","type":["null","string","long"]},)"
         R"({"name":"t","type":{"type":"long","logicalType":"timestamp-millis"}}]})",
         {}},
        {"PROTOBUF",
         "syntax = \"proto3\"; package fz; import \"google/protobuf/timestamp.proto\";\n"
         "enum E { A = 0; B = 1; }\n"
         "message M { int32 i = 1; sint64 s = 2; fixed32 f = 3; double d = 4; string t = 5;\n"
         "  bytes b = 6; repeated int64 r = 7; map<string, M> m = 8;\n"
         "  oneof o { string os = 9; M om = 10; } E e = 11; google.protobuf.Timestamp ts = 12;\n"
         "  message N { repeated M ms = 1; } N n = 13; }\n",
         {}},
        {"JSON",
         R"({"type":"object","properties":{"a":{"type":"integer","minimum":0},)"
         R"("b":{"type":"array","items":{"type":"string","pattern":"^x+$"}},"c":{"$ref":"#"}},)"
         R"("required":["a"]})",
         {}},
    };
    std::vector<std::unique_ptr<schema_registry::Schema>> out;
    for (const auto& text : texts) {
      auto s = schema_registry::compile_schema(text);
      if (!std::holds_alternative<std::unique_ptr<schema_registry::Schema>>(s)) std::abort();
      out.push_back(std::move(std::get<std::unique_ptr<schema_registry::Schema>>(s)));
    }
    return out;
  }();
  return *compiled[static_cast<std::size_t>(which)];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  const api_models::RequestContext ctx{"us-east-1", "000000000000"};
  switch (data[0] % 23) {
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
      auto s = base_secret(ctx);
      if (r.ok() && s.ok()) (void)api_models::select_version(s.value(), r.value());
      break;
    }
    case 9: {
      auto r = api_models::parse_put_secret_value(in);
      auto s = base_secret(ctx);
      if (r.ok() && s.ok()) (void)api_models::apply_put_secret_value(r.value(), s.value());
      break;
    }
    case 10:
      (void)api_models::parse_secret_id(in);
      break;
    case 11: {
      auto r = api_models::parse_list_secrets(in);
      auto s = base_secret(ctx);
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
    case 14: {
      const auto req = signed_request(in);
      const server::sigv4::Credentials keys{{"AKIDEXAMPLE", "secret"}};
      const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1440844560));
      (void)server::sigv4::verify(req, "lambda", keys, now);
      (void)server::sigv4::verify(req, "secretsmanager", keys, now);
      break;
    }
    case 15: {
      // The second byte picks the admin operation; each is parsed, applied and answered.
      if (in.empty()) break;
      const auto op = static_cast<api_models::SecretsOp>(
          static_cast<int>(api_models::SecretsOp::GetResourcePolicy) + in[0] % 10);
      auto r = api_models::parse_secret_admin(op, in.substr(1));
      auto s = base_secret(ctx);
      if (!r.ok() || !s.ok()) break;
      if (!api_models::secret_admin_reads_only(op))
        (void)api_models::apply_secret_admin(r.value(), s.value());
      (void)api_models::secret_admin_json(r.value(), &s.value());
      break;
    }
    case 16: {
      // A filter pattern, a newline, then a Kafka record value: compiled, then matched (as a
      // record's value and as an event), as a mapping's runner and its validation do.
      const auto nl = in.find('\n');
      const auto filter = api_models::RecordFilter::compile({std::string(in.substr(0, nl))});
      if (!filter || nl == std::string_view::npos) break;
      (void)filter->matches_kafka_value(in.substr(nl + 1));
      (void)filter->matches_event(in.substr(nl + 1));
      break;
    }
    case 17:
      // A function's answer, read as a partial batch response (untrusted as client bytes are).
      (void)api_models::parse_batch_item_failures(in);
      break;
    case 18:
      // PUT /_esm/mappings/{UUID}/offsets.
      (void)api_models::parse_offset_reset(in);
      break;
    case 19:
      // A record's key or value as the schema registry stage unframes it (Kafka records are as
      // untrusted as client bytes): Confluent's and Glue's framing, zlib, Protobuf indexes.
      if (auto c = schema_registry::confluent_frame(in))
        (void)schema_registry::protobuf_body(c->body);
      if (auto g = schema_registry::glue_frame(in)) {
        if (g->zlib) (void)schema_registry::inflate_zlib(g->body, 1 << 20);
        (void)schema_registry::glue_protobuf_body(g->body);
      }
      break;
    case 20:
    case 21:
    case 22:
      // A record's body after its framing, read with its schema: Avro (20), Protobuf with
      // its message indexes (21), JSON Schema (22).
      (void)fuzz_schema(data[0] % 23 - 20).to_json(in);
      break;
  }
  return 0;
}
