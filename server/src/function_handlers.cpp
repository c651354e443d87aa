// The Lambda Invoke and GetFunction APIs for declared functions (--function, --functions), so
// a handler can be tested directly and other tools can use the emulator as their Invoke
// endpoint. Undeclared names are not passed on to --lambda-endpoint (which may be this emulator).

#include <cstdio>

#include "api_models/base64.hpp"
#include "api_models/function_json.hpp"
#include "api_models/function_name.hpp"
#include "api_models/invocation_log.hpp"
#include "api_models/uuid.hpp"
#include "handlers.hpp"

namespace esm::server {

using api_models::ApiError;
using api_models::ErrorCode;

namespace {

constexpr std::size_t kMaxSyncPayload = 6291456;   // Lambda's synchronous invocation quota
constexpr std::size_t kMaxAsyncPayload = 1048576;  // and asynchronous (1 MB since 2025)
constexpr std::size_t kLogTail = 4096;

// CloudWatch's lines for one invocation, with what the target printed (exec: stderr).
std::string log_tail(const std::string& request_id, const std::string& printed, double ms) {
  std::string log = api_models::start_line(request_id) + "\n" + printed +
                    (printed.empty() || printed.back() == '\n' ? "" : "\n") +
                    api_models::end_line(request_id) + "\n" +
                    api_models::report_line({request_id, ms, 128, 0, std::nullopt}) + "\t\n";
  return log;
}

Response empty_answer(int status, const Request& req) {
  Response r;
  r.status = status;
  r.headers.emplace_back("x-amzn-RequestId", req.request_id);
  return r;
}

}  // namespace

api_models::Result<engine::FunctionTarget> Handlers::declared_function(const Request& req,
                                                                       std::string& arn) const {
  auto ref = api_models::parse_function_name(req.path_params.at(0));
  if (!ref)
    return ApiError{ErrorCode::ResourceNotFound, "Function not found: " + req.path_params.at(0)};
  if (auto q = req.query.find("Qualifier"); q != req.query.end()) ref->qualifier = q->second;
  const auto ctx = context(req);
  arn = ref->arn(ctx.region, ctx.account_id);
  auto target = functions_.resolve(*ref);
  if (!target || target->kind == engine::FunctionTarget::Kind::LambdaApi)
    return ApiError{ErrorCode::ResourceNotFound, "Function not found: " + arn};
  return *target;
}

// POST /2015-03-31/functions/{FunctionName}/invocations
Response Handlers::invoke_function(Request& req) {
  std::string arn;
  auto found = declared_function(req, arn);
  if (!found.ok()) return error_response(found.error(), req);
  const engine::FunctionTarget* target = &found.value();
  std::string type = req.header("x-amz-invocation-type");
  if (type.empty()) type = "RequestResponse";
  if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
    return error_response({ErrorCode::Validation,
                           "1 validation error detected: Value '" + type +
                               "' at 'invocationType' failed to satisfy constraint: Member "
                               "must satisfy enum value set: [Event, RequestResponse, DryRun]"},
                          req);
  }
  const std::size_t limit = type == "Event" ? kMaxAsyncPayload : kMaxSyncPayload;
  if (req.body.size() > limit) {
    return error_response(
        {ErrorCode::RequestTooLarge, "Request must be smaller than " + std::to_string(limit) +
                                         " bytes for the InvokeFunction operation"},
        req);
  }
  const std::string payload = req.body.empty() ? "{}" : req.body;
  const std::string version = target->qualifier.value_or("$LATEST");
  if (type == "DryRun") return empty_answer(204, req);
  if (type == "Event") {
    engine_.invoke_later(*target, payload, {"", req.request_id});
    return empty_answer(202, req);
  }
  return invoke_and_answer(*target, payload, version, req);
}

// RequestResponse: the function's answer, or its error as Lambda reports one.
Response Handlers::invoke_and_answer(const engine::FunctionTarget& target,
                                     const std::string& payload, const std::string& version,
                                     const Request& req) {
  engine::InvocationIds ids{"", req.request_id};
  const auto start = std::chrono::steady_clock::now();
  auto result = engine_.invoke_now(target, payload, ids);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  Response r;
  r.headers.emplace_back("x-amzn-RequestId", req.request_id);
  r.headers.emplace_back("X-Amz-Executed-Version", version);
  r.headers.emplace_back("Content-Type", "application/json");
  const bool failed = result.outcome != engine::InvokeResult::Outcome::Success;
  const bool exec = target.kind == engine::FunctionTarget::Kind::Exec;
  if (req.header("x-amz-log-type") == "Tail") {
    const std::string printed = exec ? result.detail : (failed ? result.detail : "");
    std::string log = result.log.empty() ? log_tail(req.request_id, printed, ms) : result.log;
    if (log.size() > kLogTail) log.erase(0, log.size() - kLogTail);
    r.headers.emplace_back("X-Amz-Log-Result", api_models::base64(log));
  }
  if (!failed) {
    r.body = std::move(result.body);
    return r;
  }
  r.headers.emplace_back("X-Amz-Function-Error", "Unhandled");
  if (!result.body.empty() && result.outcome == engine::InvokeResult::Outcome::FunctionError) {
    r.body = std::move(result.body);  // the function's own error document
  } else {
    r.body = api_models::function_error_json(
        result.outcome == engine::InvokeResult::Outcome::ConnectionError ? "Runtime.ConnectionError"
                                                                         : "Runtime.Unhandled",
        result.detail);
  }
  return r;
}

// GET /2015-03-31/functions/{FunctionName}: the declared function's configuration as AWS shapes
// it (what the emulator knows: name, ARN, timeout, memory, handler, the declared variables).
Response Handlers::get_function(Request& req) {
  std::string arn;
  auto found = declared_function(req, arn);
  if (!found.ok()) return error_response(found.error(), req);
  const engine::FunctionTarget* target = &found.value();
  api_models::FunctionConfiguration f;
  f.name = target->name;
  f.arn = arn;
  f.version = target->qualifier.value_or("$LATEST");
  f.timeout_seconds = target->timeout.count();
  static constexpr const char* kKinds[] = {"an HTTP endpoint", "an exec: command",
                                           "the Invoke API of another endpoint",
                                           "a runtime: command (Lambda Runtime API)"};
  f.description = std::string("esm-emulator: ") + kKinds[static_cast<int>(target->kind)];
  f.memory_mb = target->memory_mb;
  f.handler = target->handler;
  f.variables = target->env;
  return json_response(200, api_models::function_configuration_json(f), req);
}

}  // namespace esm::server
