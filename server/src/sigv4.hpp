#pragma once

// AWS Signature Version 4 verification for the opt-in --require-sigv4 mode: the Authorization
// header form and the presigned query form, checked the way AWS documents it (canonical request,
// string to sign, signing key derived from the secret key and the credential scope; clock skew of
// at most 15 minutes). Pure logic over a parsed Request: no sockets, no clocks of its own.
//
// Source of the algorithm: "Create a signed AWS API request" and "Elements of an AWS API request
// signature" in the IAM user guide (docs.aws.amazon.com/IAM/latest/UserGuide/
// reference_sigv-create-signed-request.html); error names and texts as Lambda answers them.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api_models/error.hpp"
#include "aws_client/sigv4.hpp"
#include "http_types.hpp"

namespace esm::server::sigv4 {

// ACCESS_KEY -> SECRET_KEY.
using Credentials = std::map<std::string, std::string, std::less<>>;

// How far a request's X-Amz-Date may be from the server's clock, either way.
inline constexpr std::chrono::minutes kMaxSkew{15};

// nullopt when `req` carries a valid signature by one of `keys` for `service` ("lambda",
// "secretsmanager") at `now`; else the error AWS answers (all 403):
// MissingAuthenticationToken (no signature at all), IncompleteSignature (a malformed one),
// UnrecognizedClient (unknown access key), InvalidSignature (wrong signature, wrong service in
// the scope, or a date outside the allowed skew / presigned expiry).
std::optional<api_models::ApiError> verify(const Request& req, std::string_view service,
                                           const Credentials& keys,
                                           std::chrono::system_clock::time_point now);

// The shared pieces (aws_client/sigv4.hpp), under the names the server and its tests use.
using aws::canonical_query;
using aws::canonical_uri;
using aws::format_amz_date;
using aws::hex;
using aws::hmac_sha256;
using aws::parse_amz_date;
using aws::sha256_hex;
using aws::signing_key;
using aws::split;
using aws::uri_encode;

}  // namespace esm::server::sigv4
