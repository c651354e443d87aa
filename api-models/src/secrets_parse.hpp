#pragma once

// The request-reading helpers the Secrets Manager operations share (secrets.cpp and
// secret_admin.cpp): constraints of the service model, and its error messages.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_models/error.hpp"
#include "api_models/secrets.hpp"
#include "json_util.hpp"

namespace esm::api_models::secrets_parse {

inline constexpr std::size_t kMaxName = 512;
inline constexpr std::size_t kMaxSecretId = 2048;
inline constexpr std::size_t kMaxValue = 65536;
inline constexpr std::size_t kMaxDescription = 2048;
inline constexpr std::size_t kMinToken = 32;
inline constexpr std::size_t kMaxToken = 64;
inline constexpr std::size_t kMaxTags = 50;
inline constexpr std::string_view kTokenPrefix = "esmsm1.";

// ValidationException naming the member; values are never echoed (they may be secret).
ApiError validation(std::string_view member, std::string_view rule);
ApiError invalid_parameter(std::string message);
ApiError marked_for_deletion();
// UTF-16 code units, as the service counts lengths.
std::size_t utf16_length(std::string_view s);
Result<rapidjson::Document> parse_object(std::string_view body);
// An optional string member within [min, max] UTF-16 units; type errors are Serialization.
Result<std::optional<std::string>> opt_string(const rapidjson::Value& doc, std::string_view key,
                                              std::size_t min, std::size_t max);
Result<std::string> required_string(const rapidjson::Value& doc, std::string_view key,
                                    std::size_t min, std::size_t max);
Result<std::optional<bool>> opt_bool(const rapidjson::Value& doc, std::string_view key);
Result<std::optional<std::int64_t>> opt_int(const rapidjson::Value& doc, std::string_view key);
// MaxResults within 1..100 (ListSecrets, ListSecretVersionIds); `fallback` when absent.
Result<int> read_max_results(const rapidjson::Value& doc, int fallback);
// A NextToken of `prefix` and 1..max_digits decimal digits (the tokens this emulator hands out):
// its number, nothing when absent, InvalidParameter `message` when malformed.
Result<std::optional<std::int64_t>> read_page_token(const rapidjson::Value& doc,
                                                    std::string_view prefix, std::size_t max_digits,
                                                    std::string_view message);
// Decoded length of strict base64, or nothing.
std::optional<std::size_t> base64_decoded_length(std::string_view s);
// SecretString / SecretBinary of Create, Put and Update: at most one; both absent is allowed.
Result<Ok> read_value(const rapidjson::Value& doc, SecretVersion& v);
// ClientRequestToken, or a fresh version id.
Result<std::string> read_token(const rapidjson::Value& doc);
// A Tags list of {Key, Value} (CreateSecret, TagResource).
Result<std::vector<std::pair<std::string, std::string>>> read_tags(const rapidjson::Value& tags);

}  // namespace esm::api_models::secrets_parse
