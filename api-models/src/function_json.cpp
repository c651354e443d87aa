#include "api_models/function_json.hpp"

#include "json_util.hpp"

namespace esm::api_models {

std::string function_error_json(const std::string& type, const std::string& message) {
  JsonWriter w;
  w.start_object();
  w.key("errorMessage").string(message);
  w.key("errorType").string(type);
  w.end_object();
  return w.take();
}

std::string function_configuration_json(const FunctionConfiguration& f) {
  JsonWriter w;
  w.start_object().key("Configuration").start_object();
  w.key("FunctionName").string(f.name);
  w.key("FunctionArn").string(f.arn);
  w.key("Timeout").integer(f.timeout_seconds);
  w.key("MemorySize").integer(f.memory_mb);
  w.key("Version").string(f.version);
  w.key("PackageType").string("Zip");
  w.key("State").string("Active");
  w.key("LastUpdateStatus").string("Successful");
  w.key("Description").string(f.description);
  if (!f.handler.empty()) w.key("Handler").string(f.handler);
  if (!f.variables.empty()) {
    w.key("Environment").start_object().key("Variables").start_object();
    for (const auto& [k, v] : f.variables) w.key(k).string(v);
    w.end_object().end_object();
  }
  w.end_object().end_object();
  return w.take();
}

}  // namespace esm::api_models
