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
                                 std::chrono::seconds timeout, std::string ca_file,
                                 const FunctionTarget& runtime) {
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
          std::string::npos) {
    return bad("function name '" + name + "' is not a valid Lambda function name");
  }
  FunctionTarget t = runtime;
  t.name = name;
  t.timeout = timeout;
  const bool https = target.rfind("https://", 0) == 0;
  if (https || target.rfind("http://", 0) == 0) {
    t.kind = FunctionTarget::Kind::Http;
  } else if (target.rfind("exec:", 0) == 0 && target.size() > 5) {
    t.kind = FunctionTarget::Kind::Exec;
    t.location = target.substr(5);
  } else if (target.rfind("runtime:", 0) == 0 && target.size() > 8) {
    t.kind = FunctionTarget::Kind::Runtime;
    t.location = target.substr(8);
  } else {
    return bad("function '" + name +
               "': target must be http(s)://..., exec:COMMAND or runtime:COMMAND");
  }
  if (t.kind == FunctionTarget::Kind::Http) t.location = target;
  if (timeout.count() < 1) return bad("function '" + name + "': timeout must be at least 1 second");
  if (ca_file.empty()) ca_file = https ? default_ca_file_ : "";
  if (!ca_file.empty()) {
    if (!https) return bad("function '" + name + "': ca= applies to https:// targets only");
    if (!std::ifstream(ca_file)) return bad("function '" + name + "': cannot read " + ca_file);
  }
  t.ca_file = std::move(ca_file);
  declared_[name] = std::move(t);
  return Ok{};
}

Result<Ok> FunctionRegistry::declare(std::string_view declaration) {
  const auto eq = declaration.find('=');
  if (eq == std::string_view::npos)
    return bad("--function expects NAME=TARGET[,timeout=SECONDS][,ca=FILE]");
  std::string name(declaration.substr(0, eq));
  std::string target(declaration.substr(eq + 1));
  auto timeout = kDefaultTimeout;
  std::string ca_file;
  FunctionTarget runtime;
  // Options trail the target, in any order (an exec: command may hold commas of its own).
  for (int i = 0; i < 5; ++i) {
    const auto comma = target.rfind(',');
    if (comma == std::string::npos) break;
    const std::string_view option = std::string_view(target).substr(comma + 1);
    if (option.starts_with("timeout=")) {
      auto secs = parse_seconds(option.substr(8));
      if (!secs) return bad("--function " + name + ": timeout must be a whole number of seconds");
      timeout = std::chrono::seconds(*secs);
    } else if (option.starts_with("ca=") && option.size() > 3) {
      ca_file = std::string(option.substr(3));
    } else if (option.starts_with("memory=") || option.starts_with("concurrency=")) {
      const bool memory = option.starts_with("memory=");
      auto n = parse_seconds(option.substr(option.find('=') + 1));
      if (!n || (memory ? (*n < 128 || *n > 10240) : (*n < 1 || *n > 1000)))
        return bad(
            "--function " + name +
            (memory ? ": memory must be 128 to 10240 (MB)" : ": concurrency must be 1 to 1000"));
      (memory ? runtime.memory_mb : runtime.concurrency) = static_cast<int>(*n);
    } else if (option.starts_with("handler=") && option.size() > 8) {
      runtime.handler = std::string(option.substr(8));
    } else {
      break;
    }
    target.resize(comma);
  }
  if (target.rfind("runtime:", 0) != 0 &&
      (runtime.memory_mb != 128 || runtime.concurrency != 10 || !runtime.handler.empty()))
    return bad("--function " + name +
               ": memory=, concurrency= and handler= apply to runtime: only");
  return add(name, target, timeout, std::move(ca_file), runtime);
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
      if (auto r = add(name, spec.as_string(), kDefaultTimeout, ""); !r.ok()) return r;
      continue;
    }
    const auto* target = spec.get("target");
    const auto* timeout = spec.get("timeout");
    const auto* ca = spec.get("ca");
    if (!target || !target->is_string() || (timeout && !timeout->is_int()) ||
        (ca && !ca->is_string())) {
      return bad("--functions " + path + ": function '" + name +
                 "' needs {\"target\": \"...\", \"timeout\": SECONDS, \"ca\": FILE}");
    }
    auto secs = timeout ? std::chrono::seconds(timeout->as_int()) : kDefaultTimeout;
    if (auto r = add(name, target->as_string(), secs, ca ? ca->as_string() : ""); !r.ok()) return r;
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
