#include "sigv4.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <vector>

#include "router.hpp"

namespace esm::server::sigv4 {

using api_models::ApiError;
using api_models::ErrorCode;
using Clock = std::chrono::system_clock;

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr std::string_view kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
constexpr std::string_view kUnknownKey = "The security token included in the request is invalid.";
constexpr auto kMaxPresignedExpiry = std::chrono::seconds(604800);  // 7 days, as AWS allows

std::string trim_all(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Constant-time comparison of two hex signatures.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

ApiError incomplete(std::string message) {
  return {ErrorCode::IncompleteSignature, std::move(message)};
}
ApiError invalid(std::string message) { return {ErrorCode::InvalidSignature, std::move(message)}; }

// What a signature claims, from the Authorization header or the presigned query.
struct Claim {
  std::string access_key, date, region, service;  // from the credential scope
  std::string amz_date;                           // X-Amz-Date
  std::vector<std::string> signed_headers;
  std::string signature;
  std::optional<std::chrono::seconds> expires;  // presigned only
  bool presigned = false;
};

std::optional<ApiError> parse_scope(std::string_view credential, Claim& claim) {
  const auto parts = split(credential, '/');
  if (parts.size() != 5 || parts[0].empty() || parts[4] != "aws4_request") {
    return incomplete(
        "Credential should be of the form ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request.");
  }
  claim.access_key = parts[0];
  claim.date = parts[1];
  claim.region = parts[2];
  claim.service = parts[3];
  return std::nullopt;
}

std::optional<ApiError> parse_header(const Request& req, Claim& claim) {
  const std::string& auth = req.header("authorization");
  const auto space = auth.find(' ');
  const std::string_view algorithm = std::string_view(auth).substr(0, space);
  if (algorithm != kAlgorithm) {
    return incomplete("Unsupported AWS 'algorithm': '" + std::string(algorithm.substr(0, 40)) +
                      "'.");
  }
  std::optional<std::string_view> credential, signed_headers, signature;
  if (space != std::string::npos) {
    for (auto field : split(std::string_view(auth).substr(space + 1), ',')) {
      while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
      while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
      const auto eq = field.find('=');
      if (eq == std::string_view::npos) continue;
      const auto key = field.substr(0, eq);
      const auto value = field.substr(eq + 1);
      if (key == "Credential") credential = value;
      if (key == "SignedHeaders") signed_headers = value;
      if (key == "Signature") signature = value;
    }
  }
  std::string missing;
  if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  claim.amz_date = req.header("x-amz-date");
  if (claim.amz_date.empty()) {
    missing +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.";
  }
  if (!missing.empty()) {
    if (missing.back() == ' ') missing.pop_back();
    return incomplete(missing);
  }
  if (auto e = parse_scope(*credential, claim)) return e;
  for (auto h : split(*signed_headers, ';')) claim.signed_headers.emplace_back(h);
  claim.signature = std::string(*signature);
  return std::nullopt;
}

const std::string* query_value(const Request& req, const std::string& name) {
  auto it = req.query.find(name);
  return it == req.query.end() ? nullptr : &it->second;
}

std::optional<ApiError> parse_presigned(const Request& req, Claim& claim) {
  claim.presigned = true;
  std::string missing;
  for (const char* name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                           "X-Amz-SignedHeaders", "X-Amz-Signature"}) {
    if (query_value(req, name) == nullptr)
      missing += std::string("AWS query-string parameters must include '") + name + "'. ";
  }
  if (!missing.empty()) {
    missing.pop_back();
    return incomplete(missing + " Re-examine the query-string parameters.");
  }
  if (*query_value(req, "X-Amz-Algorithm") != kAlgorithm) {
    return incomplete("Unsupported AWS 'algorithm': '" +
                      query_value(req, "X-Amz-Algorithm")->substr(0, 40) + "'.");
  }
  if (auto e = parse_scope(*query_value(req, "X-Amz-Credential"), claim)) return e;
  claim.amz_date = *query_value(req, "X-Amz-Date");
  for (auto h : split(*query_value(req, "X-Amz-SignedHeaders"), ';'))
    claim.signed_headers.emplace_back(h);
  claim.signature = *query_value(req, "X-Amz-Signature");
  if (const auto* e = query_value(req, "X-Amz-Expires")) {
    long long seconds = -1;
    if (!e->empty() && e->size() <= 7 &&
        std::all_of(e->begin(), e->end(), [](char c) { return c >= '0' && c <= '9'; })) {
      seconds = std::stoll(*e);
    }
    if (seconds < 0 || std::chrono::seconds(seconds) > kMaxPresignedExpiry) {
      return incomplete("X-Amz-Expires must be a whole number of seconds from 0 to 604800.");
    }
    claim.expires = std::chrono::seconds(seconds);
  }
  return std::nullopt;
}

std::optional<ApiError> check_time(const Claim& claim, Clock::time_point now) {
  const auto when = parse_amz_date(claim.amz_date);
  if (!when) {
    return incomplete("Date must be in ISO-8601 'basic format'. Got '" +
                      claim.amz_date.substr(0, 32) +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  if (claim.date != claim.amz_date.substr(0, 8)) {
    return invalid(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
        "date from HTTP: '" +
        claim.date.substr(0, 16) + "' != '" + claim.amz_date.substr(0, 8) + "', from '" +
        claim.amz_date + "'.");
  }
  if (*when > now + kMaxSkew) {
    return invalid("Signature not yet current: " + claim.amz_date + " is still later than " +
                   format_amz_date(now + kMaxSkew) + " (" + format_amz_date(now) + " + 15 min.)");
  }
  if (claim.expires && now > *when + *claim.expires) {
    return invalid("Signature expired: " + claim.amz_date + " + " +
                   std::to_string(claim.expires->count()) + " s is now earlier than " +
                   format_amz_date(now) + ".");
  }
  if (!claim.expires && *when < now - kMaxSkew) {
    return invalid("Signature expired: " + claim.amz_date + " is now earlier than " +
                   format_amz_date(now - kMaxSkew) + " (" + format_amz_date(now) + " - 15 min.)");
  }
  return std::nullopt;
}

std::string string_to_sign(const Request& req, const Claim& claim, std::string_view payload_hash) {
  std::string canonical = req.method + "\n" + canonical_uri(req.path) + "\n" +
                          canonical_query(req.query, claim.presigned ? "X-Amz-Signature" : "") +
                          "\n";
  std::string names;
  for (const auto& name : claim.signed_headers) {
    canonical += name + ":" + trim_all(req.header(name)) + "\n";
    if (!names.empty()) names += ';';
    names += name;
  }
  canonical += "\n" + names + "\n" + std::string(payload_hash);
  return std::string(kAlgorithm) + "\n" + claim.amz_date + "\n" + claim.date + "/" + claim.region +
         "/" + claim.service + "/aws4_request\n" + sha256_hex(canonical);
}

}  // namespace

std::optional<ApiError> verify(const Request& req, std::string_view service,
                               const Credentials& keys, Clock::time_point now) {
  Claim claim;
  const bool presigned = req.query.count("X-Amz-Algorithm") > 0 ||
                         req.query.count("X-Amz-Signature") > 0 ||
                         req.query.count("X-Amz-Credential") > 0;
  if (!req.header("authorization").empty()) {
    if (auto e = parse_header(req, claim)) return e;
  } else if (presigned) {
    if (auto e = parse_presigned(req, claim)) return e;
  } else {
    return ApiError{ErrorCode::MissingAuthenticationToken, "Missing Authentication Token"};
  }
  const auto key = keys.find(claim.access_key);
  if (key == keys.end()) return ApiError{ErrorCode::UnrecognizedClient, std::string(kUnknownKey)};
  if (claim.service != service) {
    return invalid("Credential should be scoped to correct service: '" + std::string(service) +
                   "'. ");
  }
  if (std::find(claim.signed_headers.begin(), claim.signed_headers.end(), "host") ==
      claim.signed_headers.end()) {
    return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  for (const auto& name : claim.signed_headers) {
    if (name.empty() || name != lower(name)) {
      return incomplete("SignedHeaders must be lower-case header names separated by ';'.");
    }
  }
  if (auto e = check_time(claim, now)) return e;
  const std::string k = signing_key(key->second, claim.date, claim.region, claim.service);
  // The payload as signed: the body's hash (what SDKs send for these services), the hash the
  // client declared in X-Amz-Content-SHA256 if it matches, or UNSIGNED-PAYLOAD for a presigned
  // request.
  const std::string body_hash = sha256_hex(req.body);
  std::vector<std::string> payloads{body_hash};
  const std::string& declared = req.header("x-amz-content-sha256");
  if (declared == kUnsignedPayload || (claim.presigned && declared.empty()))
    payloads.emplace_back(kUnsignedPayload);
  for (const auto& payload : payloads) {
    if (same(hex(hmac_sha256(k, string_to_sign(req, claim, payload))), lower(claim.signature)))
      return std::nullopt;
  }
  return invalid(std::string(kMismatch));
}

}  // namespace esm::server::sigv4
