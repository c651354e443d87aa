#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace esm::api_models {

// The Invoke API's body for a failed invocation: {"errorMessage": ..., "errorType": ...}.
std::string function_error_json(const std::string& type, const std::string& message);

// GetFunction's answer for a declared function: {"Configuration": {...}} as AWS shapes it.
struct FunctionConfiguration {
  std::string name, arn, version, description;
  std::int64_t timeout_seconds = 0, memory_mb = 128;
  std::string handler;                           // "": not set (no Handler member)
  std::map<std::string, std::string> variables;  // Environment.Variables, when any
};
std::string function_configuration_json(const FunctionConfiguration& f);

}  // namespace esm::api_models
