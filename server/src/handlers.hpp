#pragma once

#include <functional>
#include <optional>
#include <string>

#include "api_models/log.hpp"
#include "api_models/mapping_status.hpp"
#include "api_models/requests.hpp"
#include "api_models/secrets.hpp"
#include "engine/engine.hpp"
#include "engine/function_registry.hpp"
#include "router.hpp"
#include "sigv4.hpp"
#include "storage/mapping_store.hpp"

namespace esm::server {

// One handler per operation: request in, response out. They validate through api-models,
// write desired state through the store, then tell the engine. No sockets, no threads, no
// waiting on Kafka. Any io thread may call them.
class Handlers {
 public:
  // `credentials`: the keys whose SigV4 signatures are required (--require-sigv4), or null to
  // accept any request, signed or not. `dashboard_token`: with them, what admits the dashboard
  // (--dashboard-token; null: the dashboard is off).
  Handlers(storage::MappingStore& store, engine::Engine& engine,
           const engine::FunctionRegistry& functions, api_models::RequestContext defaults,
           const sigv4::Credentials* credentials = nullptr, api_models::Logger* log = nullptr,
           const std::string* dashboard_token = nullptr)
      : store_(store),
        engine_(engine),
        functions_(functions),
        defaults_(std::move(defaults)),
        credentials_(credentials),
        dashboard_token_(dashboard_token),
        log_(log) {}

  // The 403 for a request refused before its handler: a change asked by a page of another
  // origin; with --require-sigv4, a request neither signed by a known key nor carrying the
  // dashboard token (GET /health and /metrics are open).
  std::optional<Response> authenticate(const Request& req) const;

  Response create(Request& req);
  Response get(Request& req);
  Response list(Request& req);
  Response update(Request& req);
  Response remove(Request& req);
  Response tag(Request& req);
  Response untag(Request& req);
  Response list_tags(Request& req);
  Response health(Request& req);
  Response metrics(Request& req);
  Response status_list(Request& req);
  Response status_one(Request& req);
  Response reset_offsets(Request& req);
  Response replay(Request& req);
  // The Invoke and GetFunction APIs for declared functions (function_handlers.cpp).
  Response invoke_function(Request& req);
  Response get_function(Request& req);
  // POST / with X-Amz-Target: secretsmanager.<Op> (secrets_handlers.cpp).
  Response secrets(Request& req);
  Response secrets_admin(api_models::SecretsOp op, Request& req);

 private:
  // secrets()'s operations, one each.
  Response create_secret(Request& req);
  Response get_secret_value(Request& req);
  Response put_secret_value(Request& req);
  Response describe_secret(Request& req);
  Response list_secrets(Request& req);
  Response delete_secret(Request& req);
  // Region from the SigV4 credential scope (header or presigned query), else --region.
  api_models::RequestContext context(const Request& req) const;

  storage::MappingStore& store_;
  engine::Engine& engine_;
  const engine::FunctionRegistry& functions_;
  const api_models::RequestContext defaults_;
  const sigv4::Credentials* credentials_;
  const std::string* dashboard_token_;
  api_models::Logger* log_;  // for warnings about what a mapping asks that is not performed
  // Create and Update log what the mapping carries that will not do what it may seem to: filter
  // conditions on fields Kafka records do not have.
  std::optional<api_models::ApiError> each_mapping(
      const std::function<void(api_models::EventSourceMapping&)>& visit);
  api_models::MappingStatus status_of(api_models::EventSourceMapping m,
                                      const engine::MappingMetricsView* view,
                                      bool with_invocations);
  void warn_misleading(const api_models::EventSourceMapping& m) const;
  // The declared function a /2015-03-31/functions/{FunctionName} path names (with ?Qualifier=),
  // its ARN as AWS would print it in `arn`.
  api_models::Result<engine::FunctionTarget> declared_function(const Request& req,
                                                               std::string& arn) const;
  Response invoke_and_answer(const engine::FunctionTarget& target, const std::string& payload,
                             const std::string& version, const Request& req);
};

Router make_routes(Handlers& handlers);

// A Secrets Manager error as its JSON 1.1 protocol sends it (secrets_handlers.cpp).
Response secrets_error(const api_models::ApiError& error, const Request& req);

}  // namespace esm::server
