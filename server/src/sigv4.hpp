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

// The pieces, exposed for tests.
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string hex(std::string_view bytes);
// RFC 3986 encoding as SigV4 wants it: every byte but A-Z a-z 0-9 - _ . ~ as %XY (upper case),
// and '/' too unless keep_slash.
std::string uri_encode(std::string_view in, bool keep_slash);
// The raw (as sent, percent-encoded) path normalised (no empty, "." or ".." segments; trailing
// slash kept) and encoded once more, as every service but S3 signs it.
std::string canonical_uri(std::string_view raw_path);
// Decoded query pairs, encoded and sorted; `skip` (X-Amz-Signature for presigned) left out.
std::string canonical_query(const std::multimap<std::string, std::string>& query,
                            std::string_view skip);
// "20250101T000000Z" to a time point; nullopt if not that form.
std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view s);
std::string format_amz_date(std::chrono::system_clock::time_point t);
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);

}  // namespace esm::server::sigv4
