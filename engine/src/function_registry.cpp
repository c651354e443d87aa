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
// The variables every environment gets from the emulator itself (Lambda's reserved keys, and
// the ids exec: commands get): a declaration cannot set them. Credentials are not among them:
// locally there is no execution role, so the operator may hand a function its keys.
constexpr std::string_view kReservedVariables[] = {"_HANDLER",
                                                   "_X_AMZN_TRACE_ID",
                                                   "AWS_DEFAULT_REGION",
                                                   "AWS_REGION",
                                                   "AWS_EXECUTION_ENV",
                                                   "AWS_LAMBDA_FUNCTION_NAME",
                                                   "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                                   "AWS_LAMBDA_FUNCTION_VERSION",
                                                   "AWS_LAMBDA_INITIALIZATION_TYPE",
                                                   "AWS_LAMBDA_LOG_GROUP_NAME",
                                                   "AWS_LAMBDA_LOG_STREAM_NAME",
                                                   "AWS_LAMBDA_RUNTIME_API",
                                                   "LAMBDA_TASK_ROOT",
                                                   "LAMBDA_RUNTIME_DIR",
                                                   "ESM_MAPPING_UUID",
                                                   "ESM_REQUEST_ID"};

// Lambda's EnvironmentVariableName pattern: [a-zA-Z]([a-zA-Z0-9_])+.
bool valid_variable_name(std::string_view name) {
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (name.size() < 2 || !alpha(name[0])) return false;
  for (char c : name.substr(1))
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '_') return false;
  return true;
}

// Lambda's own messages for a reserved key and for more than 4 KB of variables.
Result<Ok> check_env(const std::map<std::string, std::string>& env) {
  std::string reserved;
  std::size_t size = 0;
  for (const auto& [key, value] : env) {
    if (!valid_variable_name(key))
      return bad("env '" + key + "' is not a valid variable name ([a-zA-Z]([a-zA-Z0-9_])+)");
    for (auto r : kReservedVariables)
      if (key == r) reserved += (reserved.empty() ? "" : ", ") + key;
    size += key.size() + value.size();
  }
  if (!reserved.empty())
    return bad(
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided contains reserved keys that are currently not supported for "
        "modification. Reserved keys used in this request: " +
        reserved);
  if (size > 4096)
    return bad(
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided exceeded the 4KB limit.");
  return Ok{};
}

// What a declaration set besides its target, checked against the target's kind.
Result<Ok> check_options(const FunctionTarget& t, bool https) {
  const bool runtime = t.kind == FunctionTarget::Kind::Runtime;
  if (t.timeout.count() < 1) return bad("timeout must be at least 1 second");
  if (t.memory_mb < 128 || t.memory_mb > 10240) return bad("memory must be 128 to 10240 (MB)");
  if (t.concurrency < 1 || t.concurrency > 1000) return bad("concurrency must be 1 to 1000");
  if (!runtime && (t.memory_mb != 128 || t.concurrency != 10 || !t.handler.empty()))
    return bad("memory, concurrency and handler apply to runtime: only");
  if (!t.env.empty() && !runtime && t.kind != FunctionTarget::Kind::Exec)
    return bad("env applies to runtime: and exec: only");
  if (auto r = check_env(t.env); !r.ok()) return r;
  if (!t.ca_file.empty()) {
    if (!https) return bad("ca applies to https:// targets only");
    if (!std::ifstream(t.ca_file)) return bad("cannot read " + t.ca_file);
  }
  return Ok{};
}
}  // namespace

Result<Ok> FunctionRegistry::add(const std::string& name, const std::string& target,
                                 FunctionTarget t) {
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
          std::string::npos) {
    return bad("not a valid Lambda function name");
  }
  t.name = name;
  const bool https = target.rfind("https://", 0) == 0;
  if (https || target.rfind("http://", 0) == 0) {
    t.kind = FunctionTarget::Kind::Http;
    t.location = target;
  } else if (target.rfind("exec:", 0) == 0 && target.size() > 5) {
    t.kind = FunctionTarget::Kind::Exec;
    t.location = target.substr(5);
  } else if (target.rfind("runtime:", 0) == 0 && target.size() > 8) {
    t.kind = FunctionTarget::Kind::Runtime;
    t.location = target.substr(8);
  } else {
    return bad("target must be http(s)://..., exec:COMMAND or runtime:COMMAND");
  }
  if (auto r = check_options(t, https); !r.ok()) return r;
  if (t.ca_file.empty() && https) t.ca_file = default_ca_file_;
  declared_[name] = std::move(t);
  return Ok{};
}

Result<Ok> FunctionRegistry::declare(std::string_view declaration) {
  const auto eq = declaration.find('=');
  if (eq == std::string_view::npos)
    return bad("--function expects NAME=TARGET[,timeout=SECONDS][,ca=FILE]");
  std::string name(declaration.substr(0, eq));
  std::string target(declaration.substr(eq + 1));
  FunctionTarget options;
  // Options trail the target, in any order (an exec: command may hold commas of its own).
  for (int i = 0; i < 5; ++i) {
    const auto comma = target.rfind(',');
    if (comma == std::string::npos) break;
    const std::string_view option = std::string_view(target).substr(comma + 1);
    const auto value = option.substr(option.find('=') + 1);
    if (option.starts_with("timeout=")) {
      auto secs = parse_seconds(value);
      if (!secs) return bad("--function " + name + ": timeout must be a whole number of seconds");
      options.timeout = std::chrono::seconds(*secs);
    } else if (option.starts_with("ca=") && option.size() > 3) {
      options.ca_file = std::string(value);
    } else if (option.starts_with("memory=") || option.starts_with("concurrency=")) {
      auto n = parse_seconds(value);
      if (!n || *n > 100000)
        return bad("--function " + name + ": " + std::string(option) + " is not a whole number");
      (option.starts_with("memory=") ? options.memory_mb : options.concurrency) =
          static_cast<int>(*n);
    } else if (option.starts_with("handler=") && option.size() > 8) {
      options.handler = std::string(value);
    } else {
      break;
    }
    target.resize(comma);
  }
  if (auto r = add(name, target, std::move(options)); !r.ok())
    return ApiError{r.error().code, "--function " + name + ": " + r.error().message};
  return Ok{};
}

namespace {
// A --functions entry's object form into the options it sets; the message names what is wrong.
Result<FunctionTarget> options_from_json(const api_models::JsonValue& spec) {
  static constexpr const char* kShape =
      "a declaration is {\"target\": \"...\"} with optional \"timeout\": SECONDS, \"ca\": FILE, "
      "\"memory\": MB, \"concurrency\": N, \"handler\": NAME, \"env\": {\"KEY\": \"VALUE\"}";
  FunctionTarget t;
  for (const auto& [key, value] : spec.members()) {
    const bool text = key == "target" || key == "ca" || key == "handler";
    const bool number = key == "timeout" || key == "memory" || key == "concurrency";
    if (!text && !number && key != "env") return bad("'" + key + "' is not an option; " + kShape);
    const bool typed = text     ? value.is_string()
                       : number ? value.is_int() && value.as_int() >= 0 && value.as_int() <= 100000
                                : value.is_object();
    if (!typed) return bad("'" + key + "' has the wrong type; " + kShape);
    if (key == "ca") t.ca_file = value.as_string();
    if (key == "handler") t.handler = value.as_string();
    if (key == "timeout") t.timeout = std::chrono::seconds(value.as_int());
    if (key == "memory") t.memory_mb = static_cast<int>(value.as_int());
    if (key == "concurrency") t.concurrency = static_cast<int>(value.as_int());
    if (key == "env") {
      for (const auto& [k, v] : value.members()) {
        if (!v.is_string()) return bad("env '" + k + "': values are strings");
        t.env[k] = v.as_string();
      }
    }
  }
  if (!spec.get("target")) return bad(std::string("'target' is missing; ") + kShape);
  return t;
}
}  // namespace

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
    Result<Ok> r = Ok{};
    if (spec.is_string()) {
      r = add(name, spec.as_string(), FunctionTarget{});
    } else if (!spec.is_object()) {
      r = bad("a declaration is \"TARGET\" or an object");
    } else if (auto options = options_from_json(spec); !options.ok()) {
      r = options.error();
    } else {
      r = add(name, spec.get("target")->as_string(), std::move(options.value()));
    }
    if (!r.ok()) {
      return ApiError{r.error().code,
                      "--functions " + path + ": function '" + name + "': " + r.error().message};
    }
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
