#pragma once

// The pieces of AWS Signature Version 4 that signing (this library's clients) and verifying
// (the server's --require-sigv4 mode) share: hashes, encodings, dates and the signing key.
//
// Source of the algorithm: "Create a signed AWS API request" and "Elements of an AWS API request
// signature" in the IAM user guide (docs.aws.amazon.com/IAM/latest/UserGuide/
// reference_sigv-create-signed-request.html).

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esm::aws {

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
// The fields of a credential scope, a signed-headers list or an Authorization header: the pieces
// between each `sep` (empty ones kept).
std::vector<std::string_view> split(std::string_view s, char sep);

}  // namespace esm::aws

namespace esm::aws {

// The operator's AWS credentials, for requests the emulator makes itself.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: none
};

// A request as it will be sent, for sign(): `path` percent-encoded as on the wire, `headers`
// with lower-case names (including "host").
struct RequestToSign {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> headers;
  std::string_view body;
};

// Adds what SigV4 needs to `req.headers` for `service` in `region` at `now`: x-amz-date,
// x-amz-content-sha256, x-amz-security-token (with a session token) and authorization, every
// header signed. S3 signs its path as sent; every other service the normalised one.
void sign(RequestToSign& req, std::string_view service, std::string_view region,
          const Credentials& credentials, std::chrono::system_clock::time_point now);

}  // namespace esm::aws
