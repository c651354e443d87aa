#include "secrets_parse.hpp"

#include <algorithm>

#include "api_models/uuid.hpp"
#include "json_util.hpp"

namespace esm::api_models::secrets_parse {

ApiError validation(std::string_view member, std::string_view rule) {
  // Values are never echoed: they may be secret.
  return ApiError{ErrorCode::Validation,
                  "1 validation error detected: Value at '" + std::string(member) +
                      "' failed to satisfy constraint: Member must " + std::string(rule)};
}

ApiError invalid_parameter(std::string message) {
  return ApiError{ErrorCode::InvalidParameter, std::move(message)};
}

ApiError marked_for_deletion() {
  return ApiError{ErrorCode::InvalidRequest,
                  "You can't perform this operation on the secret because it was marked for "
                  "deletion."};
}

// UTF-16 code units, as the service counts lengths.
std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    n += c >= 0xF0 ? 2 : 1;            // four-byte sequences are surrogate pairs
  }
  return n;
}

Result<rapidjson::Document> parse_object(std::string_view body) {
  rapidjson::Document doc;
  auto parsed = parse_json(body.empty() ? std::string_view("{}") : body, doc);
  if (!parsed.ok()) return parsed.error();
  if (!doc.IsObject()) {
    return ApiError{ErrorCode::InvalidRequestContent, "The request body must be a JSON object."};
  }
  return doc;
}

// An optional string member within [min, max] UTF-16 units; type errors are Serialization.
Result<std::optional<std::string>> opt_string(const rapidjson::Value& doc, std::string_view key,
                                              std::size_t min, std::size_t max) {
  const auto* v = find(doc, key);
  if (v == nullptr || v->IsNull()) return std::optional<std::string>{};
  if (!v->IsString()) {
    return ApiError{ErrorCode::InvalidRequestContent,
                    "Unexpected value type for " + std::string(key) + ": expected a string."};
  }
  std::string s(v->GetString(), v->GetStringLength());
  const auto len = utf16_length(s);
  if (len < min) {
    return validation(camel(key), "have length greater than or equal to " + std::to_string(min));
  }
  if (len > max) {
    return validation(camel(key), "have length less than or equal to " + std::to_string(max));
  }
  return std::optional<std::string>(std::move(s));
}

Result<std::string> required_string(const rapidjson::Value& doc, std::string_view key,
                                    std::size_t min, std::size_t max) {
  auto v = opt_string(doc, key, min, max);
  if (!v.ok()) return v.error();
  if (!v.value()) return validation(camel(key), "not be null");
  return std::move(*v.value());
}

Result<std::optional<bool>> opt_bool(const rapidjson::Value& doc, std::string_view key) {
  const auto* v = find(doc, key);
  if (v == nullptr || v->IsNull()) return std::optional<bool>{};
  if (!v->IsBool()) {
    return ApiError{ErrorCode::InvalidRequestContent,
                    "Unexpected value type for " + std::string(key) + ": expected a boolean."};
  }
  return std::optional<bool>(v->GetBool());
}

Result<std::optional<std::int64_t>> opt_int(const rapidjson::Value& doc, std::string_view key) {
  const auto* v = find(doc, key);
  if (v == nullptr || v->IsNull()) return std::optional<std::int64_t>{};
  if (!v->IsInt64()) {
    return ApiError{ErrorCode::InvalidRequestContent,
                    "Unexpected value type for " + std::string(key) + ": expected an integer."};
  }
  return std::optional<std::int64_t>(v->GetInt64());
}

Result<int> read_max_results(const rapidjson::Value& doc, int fallback) {
  auto max = opt_int(doc, "MaxResults");
  if (!max.ok()) return max.error();
  if (!max.value()) return fallback;
  if (*max.value() < 1) return validation("maxResults", "have value greater than or equal to 1");
  if (*max.value() > 100) return validation("maxResults", "have value less than or equal to 100");
  return static_cast<int>(*max.value());
}

Result<std::optional<std::int64_t>> read_page_token(const rapidjson::Value& doc,
                                                    std::string_view prefix, std::size_t max_digits,
                                                    std::string_view message) {
  auto token = opt_string(doc, "NextToken", 1, 4096);
  if (!token.ok()) return token.error();
  if (!token.value()) return std::optional<std::int64_t>{};
  const std::string_view t = *token.value();
  const auto digits = t.substr(std::min(t.size(), prefix.size()));
  if (t.substr(0, prefix.size()) != prefix || digits.empty() || digits.size() > max_digits ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return invalid_parameter(std::string(message));
  }
  std::int64_t n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return std::optional<std::int64_t>(n);
}

// Decoded length of strict base64, or nothing.
std::optional<std::size_t> base64_decoded_length(std::string_view s) {
  if (s.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == '+' || c == '/') {
      if (pad != 0) return std::nullopt;
    } else if (c == '=' && i + 2 >= s.size()) {
      ++pad;
    } else {
      return std::nullopt;
    }
  }
  return s.size() / 4 * 3 - pad;
}

// SecretString / SecretBinary of Create and Put: at most one; both absent is allowed here.
Result<Ok> read_value(const rapidjson::Value& doc, SecretVersion& v) {
  auto str = opt_string(doc, "SecretString", 0, kMaxValue);
  if (!str.ok()) return str.error();
  auto bin = opt_string(doc, "SecretBinary", 0, kMaxValue * 4 / 3 + 4);
  if (!bin.ok()) return bin.error();
  if (str.value() && bin.value()) {
    return invalid_parameter(
        "You can't specify both a binary secret value and a string secret value in the same "
        "secret.");
  }
  if (bin.value()) {
    const auto len = base64_decoded_length(*bin.value());
    if (!len) {
      return ApiError{ErrorCode::InvalidRequestContent,
                      "SecretBinary must be base64-encoded binary data."};
    }
    if (*len > kMaxValue) {
      return validation("secretBinary", "have length less than or equal to 65536");
    }
  }
  v.string_value = std::move(str.value());
  v.binary_value = std::move(bin.value());
  return Ok{};
}

Result<std::string> read_token(const rapidjson::Value& doc) {
  auto token = opt_string(doc, "ClientRequestToken", kMinToken, kMaxToken);
  if (!token.ok()) return token.error();
  return token.value() ? *token.value() : random_uuid();
}

Result<std::vector<std::pair<std::string, std::string>>> read_tags(const rapidjson::Value& tags) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!tags.IsArray()) {
    return ApiError{ErrorCode::InvalidRequestContent, "Tags must be a list of Key/Value pairs."};
  }
  if (tags.Size() > kMaxTags) {
    return invalid_parameter("You can attach at most 50 tags to a secret.");
  }
  for (const auto& t : tags.GetArray()) {
    if (!t.IsObject()) {
      return ApiError{ErrorCode::InvalidRequestContent, "Each tag must be a Key/Value object."};
    }
    auto key = required_string(t, "Key", 1, 128);
    if (!key.ok()) return key.error();
    auto value = opt_string(t, "Value", 0, 256);
    if (!value.ok()) return value.error();
    out.emplace_back(std::move(key.value()), value.value().value_or(""));
  }
  return out;
}

}  // namespace esm::api_models::secrets_parse
