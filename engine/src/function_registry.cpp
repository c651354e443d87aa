#include "engine/function_registry.hpp"

#include <fstream>
#include <sstream>

#include "api_models/json_value.hpp"

namespace esm::engine {

using api_models::ApiError;
using api_models::ErrorCode;
using api_models::Ok;
using api_models::Result;

namespace {
ApiError bad(std::string message) {
  return ApiError{ErrorCode::InvalidParameterValue, std::move(message)};
}

std::optional<long> parse_seconds(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  long v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}
}  // namespace

Result<Ok> FunctionRegistry::add(const std::string& name, const std::string& target,
                                 std::chrono::seconds timeout) {
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
          std::string::npos) {
    return bad("function name '" + name + "' is not a valid Lambda function name");
  }
  FunctionTarget t;
  t.name = name;
  t.timeout = timeout;
  if (target.rfind("https://", 0) == 0) {
    // TODO(esm): TLS to function endpoints; until then say so at startup, not on every invoke.
    return bad("function '" + name +
               "': https:// targets are not supported yet; use http:// or exec:");
  }
  if (target.rfind("http://", 0) == 0) {
    t.kind = FunctionTarget::Kind::Http;
  } else if (target.rfind("exec:", 0) == 0 && target.size() > 5) {
    t.kind = FunctionTarget::Kind::Exec;
  } else {
    return bad("function '" + name + "': target must be http://... or exec:COMMAND");
  }
  t.location = t.kind == FunctionTarget::Kind::Exec ? target.substr(5) : target;
  if (timeout.count() < 1) return bad("function '" + name + "': timeout must be at least 1 second");
  declared_[name] = std::move(t);
  return Ok{};
}

Result<Ok> FunctionRegistry::declare(std::string_view declaration) {
  const auto eq = declaration.find('=');
  if (eq == std::string_view::npos) return bad("--function expects NAME=TARGET[,timeout=SECONDS]");
  std::string name(declaration.substr(0, eq));
  std::string target(declaration.substr(eq + 1));
  auto timeout = kDefaultTimeout;
  if (const auto opt = target.rfind(",timeout="); opt != std::string::npos) {
    auto secs = parse_seconds(std::string_view(target).substr(opt + 9));
    if (!secs) return bad("--function " + name + ": timeout must be a whole number of seconds");
    timeout = std::chrono::seconds(*secs);
    target.resize(opt);
  }
  return add(name, target, timeout);
}

Result<Ok> FunctionRegistry::declare_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return bad("--functions: cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = api_models::JsonValue::parse(ss.str());
  if (!parsed.ok() || !parsed.value().is_object()) {
    return bad("--functions " + path + ": expected a JSON object of NAME: TARGET");
  }
  for (const auto& [name, spec] : parsed.value().members()) {
    if (spec.is_string()) {
      if (auto r = add(name, spec.as_string(), kDefaultTimeout); !r.ok()) return r;
      continue;
    }
    const auto* target = spec.get("target");
    const auto* timeout = spec.get("timeout");
    if (!target || !target->is_string() || (timeout && !timeout->is_int())) {
      return bad("--functions " + path + ": function '" + name +
                 "' needs {\"target\": \"...\", \"timeout\": SECONDS}");
    }
    auto secs = timeout ? std::chrono::seconds(timeout->as_int()) : kDefaultTimeout;
    if (auto r = add(name, target->as_string(), secs); !r.ok()) return r;
  }
  return Ok{};
}

std::optional<FunctionTarget> FunctionRegistry::resolve(const api_models::FunctionRef& ref) const {
  if (auto it = declared_.find(ref.name); it != declared_.end()) {
    FunctionTarget t = it->second;
    t.qualifier = ref.qualifier;
    return t;
  }
  if (!lambda_endpoint_) return std::nullopt;
  FunctionTarget t;
  t.kind = FunctionTarget::Kind::LambdaApi;
  t.location = *lambda_endpoint_;
  t.name = ref.name;
  t.qualifier = ref.qualifier;
  return t;
}

std::optional<FunctionTarget> FunctionRegistry::resolve_arn(std::string_view function_arn) const {
  auto ref = api_models::parse_function_name(function_arn);
  if (!ref) return std::nullopt;
  return resolve(*ref);
}

}  // namespace esm::engine
