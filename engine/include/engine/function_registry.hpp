#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api_models/error.hpp"
#include "api_models/function_name.hpp"

namespace esm::engine {

// Where a function's invocations go (DESIGN §4).
struct FunctionTarget {
  enum class Kind { Http, Exec, LambdaApi, Runtime };
  Kind kind = Kind::Http;
  std::string location;  // URL, shell command (exec:, runtime:), or the Invoke API base URL
  std::string name;      // the function name (for the Invoke API path)
  std::optional<std::string> qualifier;
  std::chrono::seconds timeout{60};
  std::string ca_file;  // https: the CAs trusted (PEM; ca=FILE or --ca-file); "": the system's
  // runtime: what Lambda tells the runtime, and how many environments run at once.
  int memory_mb = 128;
  int concurrency = 10;
  std::string handler;
  // runtime: and exec: the operator's variables, set on top of the emulator's environment.
  std::map<std::string, std::string> env;
};

// Declared functions (--function, --functions) and the --lambda-endpoint fallback. Built once
// at startup, immutable afterwards: any thread may read it.
class FunctionRegistry {
 public:
  static constexpr std::chrono::seconds kDefaultTimeout{60};
  // Kafka mappings take functions whose timeout is at most 14 minutes.
  static constexpr std::chrono::seconds kKafkaMaxTimeout{840};

  // NAME=TARGET[,timeout=SECONDS][,ca=FILE][,memory=MB][,concurrency=N][,handler=H]; TARGET is
  // http(s)://..., exec:COMMAND or runtime:COMMAND (a Lambda Runtime API client).
  api_models::Result<api_models::Ok> declare(std::string_view declaration);
  // A JSON file: {"NAME": "TARGET"} or {"NAME": {"target": "...", "timeout": S, "ca": FILE,
  // "memory": MB, "concurrency": N, "handler": H, "env": {"KEY": "VALUE", ...}}}.
  api_models::Result<api_models::Ok> declare_file(const std::string& path);
  // The CAs https targets declared afterwards trust when they name none (--ca-file).
  void set_default_ca_file(std::string path) { default_ca_file_ = std::move(path); }
  void set_lambda_endpoint(std::string url) { lambda_endpoint_ = std::move(url); }

  // The target a FunctionName (any form) resolves to, or nothing: "Function does not exist".
  std::optional<FunctionTarget> resolve(const api_models::FunctionRef& ref) const;
  std::optional<FunctionTarget> resolve_arn(std::string_view function_arn) const;
  std::size_t size() const { return declared_.size(); }

 private:
  // `options` carries what the declaration set besides name, kind and location.
  api_models::Result<api_models::Ok> add(const std::string& name, const std::string& target,
                                         FunctionTarget options);
  std::map<std::string, FunctionTarget, std::less<>> declared_;
  std::string default_ca_file_;
  std::optional<std::string> lambda_endpoint_;
};

}  // namespace esm::engine
