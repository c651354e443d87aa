#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace esm::api_models {

// Every failure a client can see. Statuses and AWS names live only in error_info().
enum class ErrorCode {
  Validation,             // shape constraint failed (unmodelled ValidationException)
  InvalidParameterValue,  // semantic rule failed
  InvalidRequestContent,  // body is not JSON / not an object / not UTF-8
  ResourceNotFound,
  ResourceConflict,
  ResourceInUse,
  TooManyRequests,
  RequestTooLarge,
  UnsupportedMediaType,
  UnknownOperation,  // no route for the path
  MethodNotAllowed,  // route exists, verb does not
  Service,
  // Secrets Manager's own classes (its ResourceNotFound and Validation share the codes above).
  ResourceExists,
  InvalidParameter,
  InvalidRequest,
  MalformedPolicyDocument,
  PublicPolicy,
  // Request signing (--require-sigv4), all 403.
  MissingAuthenticationToken,
  IncompleteSignature,
  UnrecognizedClient,
  InvalidSignature,
  // The emulator's own guards: a cross-origin browser request, a wrong dashboard token (403).
  AccessDenied,
};

struct ApiError {
  ErrorCode code;
  std::string message;  // shown to the client: no SQL, no stack traces, no secrets
};

struct ErrorInfo {
  int http_status;
  std::string_view aws_type;     // X-Amzn-ErrorType value
  std::string_view message_key;  // "message" or "Message", as the service model spells it
  std::string_view fault;        // body "Type": "User", "Service", or empty for none
};

ErrorInfo error_info(ErrorCode code);

// The JSON body AWS sends for this error.
std::string error_body(const ApiError& error);

// A value or the ApiError that prevented it.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(ApiError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

struct Ok {};

}  // namespace esm::api_models
