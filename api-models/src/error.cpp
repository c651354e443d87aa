#include "api_models/error.hpp"

#include "json_util.hpp"

namespace esm::api_models {

ErrorInfo error_info(ErrorCode code) {
  using enum ErrorCode;
  switch (code) {  // no default: -Wswitch flags a new unmapped code
    case Validation:
      return {400, "ValidationException", "message", ""};
    case InvalidParameterValue:
      return {400, "InvalidParameterValueException", "message", "User"};
    case InvalidRequestContent:
      return {400, "InvalidRequestContentException", "message", "User"};
    case ResourceNotFound:
      return {404, "ResourceNotFoundException", "Message", "User"};
    case ResourceConflict:
      return {409, "ResourceConflictException", "message", "User"};
    case ResourceInUse:
      return {400, "ResourceInUseException", "Message", "User"};
    case TooManyRequests:
      return {429, "TooManyRequestsException", "message", "User"};
    case RequestTooLarge:
      return {413, "RequestTooLargeException", "message", "User"};
    case UnsupportedMediaType:
      return {415, "UnsupportedMediaTypeException", "message", "User"};
    case UnknownOperation:
      return {404, "UnknownOperationException", "message", "User"};
    case MethodNotAllowed:
      return {405, "MethodNotAllowedException", "message", "User"};
    case Service:
      return {500, "ServiceException", "Message", "Service"};
    case ResourceExists:
      return {400, "ResourceExistsException", "Message", ""};
    case InvalidParameter:
      return {400, "InvalidParameterException", "Message", ""};
    case InvalidRequest:
      return {400, "InvalidRequestException", "Message", ""};
    case MalformedPolicyDocument:
      return {400, "MalformedPolicyDocumentException", "Message", ""};
    case PublicPolicy:
      return {400, "PublicPolicyException", "Message", ""};
    case MissingAuthenticationToken:
      return {403, "MissingAuthenticationTokenException", "message", ""};
    case IncompleteSignature:
      return {403, "IncompleteSignatureException", "message", ""};
    case UnrecognizedClient:
      return {403, "UnrecognizedClientException", "message", ""};
    case InvalidSignature:
      return {403, "InvalidSignatureException", "message", ""};
    case AccessDenied:
      return {403, "AccessDeniedException", "Message", "User"};
  }
  return {500, "ServiceException", "Message", "Service"};
}

std::string error_body(const ApiError& error) {
  const ErrorInfo info = error_info(error.code);
  JsonWriter w;
  w.start_object();
  if (!info.fault.empty()) w.key("Type").string(info.fault);
  w.key(info.message_key).string(error.message);
  w.end_object();
  return w.take();
}

}  // namespace esm::api_models
