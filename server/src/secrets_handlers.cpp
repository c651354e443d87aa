// The Secrets Manager subset: one POST / endpoint dispatched on X-Amz-Target (JSON 1.1).
#include <algorithm>

#include "api_models/secret_admin.hpp"
#include "api_models/secrets.hpp"
#include "handlers.hpp"

namespace esm::server {

using api_models::ApiError;
using api_models::ErrorCode;
using api_models::Ok;
using api_models::Result;
using api_models::Secret;
using api_models::SecretsOp;

namespace {

constexpr std::string_view kJson11 = "application/x-amz-json-1.1";

Response sm_reply(int status, std::string body, const Request& req) {
  Response r;
  r.status = status;
  r.headers.emplace_back("x-amzn-RequestId", req.request_id);
  r.headers.emplace_back("Content-Type", std::string(kJson11));
  r.body = std::move(body);
  return r;
}

Response sm_response(std::string body, const Request& req) {
  return sm_reply(200, std::move(body), req);
}

Response sm_error(const ApiError& error, const Request& req) { return secrets_error(error, req); }

}  // namespace

Response secrets_error(const ApiError& error, const Request& req) {
  const auto wire = api_models::secrets_error_wire(error.code);
  Response r = sm_reply(wire.status, api_models::secrets_error_body(error), req);
  r.headers.emplace_back("X-Amzn-ErrorType", std::string(wire.type));
  return r;
}

Response Handlers::secrets(Request& req) {
  const std::string& target = req.header("x-amz-target");
  const auto op = api_models::secrets_op(target);
  if (!op) {
    return sm_error({ErrorCode::UnknownOperation,
                     target.empty() ? "Missing X-Amz-Target header: POST / serves the Secrets "
                                      "Manager API (X-Amz-Target: secretsmanager.<Operation>)."
                                    : "The operation " + target + " is not supported."},
                    req);
  }
  switch (*op) {
    case SecretsOp::CreateSecret:
      return create_secret(req);
    case SecretsOp::GetSecretValue:
      return get_secret_value(req);
    case SecretsOp::PutSecretValue:
      return put_secret_value(req);
    case SecretsOp::DescribeSecret:
      return describe_secret(req);
    case SecretsOp::ListSecrets:
      return list_secrets(req);
    case SecretsOp::DeleteSecret:
      return delete_secret(req);
    default:
      return secrets_admin(*op, req);
  }
}

Response Handlers::create_secret(Request& req) {
  auto secret = api_models::parse_create_secret(req.body, context(req));
  if (!secret.ok()) return sm_error(secret.error(), req);
  auto stored = store_.insert_secret(secret.value());
  if (!stored.ok()) return sm_error(stored.error(), req);
  return sm_response(api_models::create_secret_json(stored.value()), req);
}

// The version asked for; reading it counts as the secret's last access.
Response Handlers::get_secret_value(Request& req) {
  auto input = api_models::parse_get_secret_value(req.body);
  if (!input.ok()) return sm_error(input.error(), req);
  api_models::SecretVersion version;
  auto stored = store_.update_secret(input.value().secret_id, [&](Secret& s) -> Result<Ok> {
    auto v = api_models::select_version(s, input.value());
    if (!v.ok()) return v.error();
    version = std::move(v).value();
    s.touch(api_models::now_epoch_seconds());
    return Ok{};
  });
  if (!stored.ok()) return sm_error(stored.error(), req);
  return sm_response(api_models::secret_value_json(stored.value(), version), req);
}

Response Handlers::put_secret_value(Request& req) {
  auto input = api_models::parse_put_secret_value(req.body);
  if (!input.ok()) return sm_error(input.error(), req);
  auto stored = store_.update_secret(input.value().secret_id, [&](Secret& s) {
    return api_models::apply_put_secret_value(input.value(), s);
  });
  if (!stored.ok()) return sm_error(stored.error(), req);
  const auto* v = stored.value().version(input.value().version.id);
  return sm_response(api_models::put_secret_value_json(stored.value(), *v), req);
}

Response Handlers::describe_secret(Request& req) {
  auto id = api_models::parse_secret_id(req.body);
  if (!id.ok()) return sm_error(id.error(), req);
  auto stored = store_.find_secret(id.value());
  if (!stored.ok()) return sm_error(stored.error(), req);
  return sm_response(api_models::describe_secret_json(stored.value()), req);
}

// A page of the secrets that match, in creation order or its reverse. The token is the sequence
// number of the last secret returned, in this order.
Response Handlers::list_secrets(Request& req) {
  auto input = api_models::parse_list_secrets(req.body);
  if (!input.ok()) return sm_error(input.error(), req);
  const auto& q = input.value();
  auto all = store_.secrets_after(0);
  if (!all.ok()) return sm_error(all.error(), req);
  auto& rows = all.value();
  if (q.descending) std::reverse(rows.begin(), rows.end());
  std::int64_t last_seq = 0;
  std::vector<const Secret*> page;
  std::string next;
  for (const auto& [seq, secret] : rows) {
    if (q.after_seq && (q.descending ? seq >= *q.after_seq : seq <= *q.after_seq)) continue;
    if (!api_models::secret_matches(q, secret)) continue;
    if (static_cast<int>(page.size()) == q.max_results) {
      next = api_models::secrets_next_token(last_seq);
      break;
    }
    page.push_back(&secret);
    last_seq = seq;
  }
  return sm_response(api_models::list_secrets_json(page, next), req);
}

// Forced: gone at once. Otherwise scheduled after the recovery window (a secret scheduled
// already keeps its date).
Response Handlers::delete_secret(Request& req) {
  auto input = api_models::parse_delete_secret(req.body);
  if (!input.ok()) return sm_error(input.error(), req);
  const auto& d = input.value();
  auto found = store_.find_secret(d.secret_id);
  if (!found.ok()) return sm_error(found.error(), req);
  Secret s = std::move(found).value();
  if (d.force) {
    if (auto r = store_.remove_secret(s.arn); !r.ok()) return sm_error(r.error(), req);
    s.deletion_date = api_models::now_epoch_seconds();
    return sm_response(api_models::delete_secret_json(s), req);
  }
  auto stored = store_.update_secret(s.arn, [&](Secret& cur) -> Result<Ok> {
    if (!cur.deletion_date) {
      cur.deletion_date = api_models::now_epoch_seconds() + d.recovery_window_days * 86400.0;
    }
    return Ok{};
  });
  if (!stored.ok()) return sm_error(stored.error(), req);
  return sm_response(api_models::delete_secret_json(stored.value()), req);
}

// The operations of secret_admin.hpp: read, or change and persist, one secret.
Response Handlers::secrets_admin(SecretsOp op, Request& req) {
  auto input = api_models::parse_secret_admin(op, req.body);
  if (!input.ok()) return sm_error(input.error(), req);
  const auto& in = input.value();
  if (op == SecretsOp::ValidateResourcePolicy && in.secret_id.empty()) {
    return sm_response(api_models::secret_admin_json(in, nullptr), req);
  }
  auto stored = api_models::secret_admin_reads_only(op)
                    ? store_.find_secret(in.secret_id)
                    : store_.update_secret(in.secret_id, [&](Secret& s) {
                        return api_models::apply_secret_admin(in, s);
                      });
  if (!stored.ok()) return sm_error(stored.error(), req);
  return sm_response(api_models::secret_admin_json(in, &stored.value()), req);
}

}  // namespace esm::server
