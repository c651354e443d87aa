#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace esm::api_models {

// Standard base64 (RFC 4648, with '=' padding), as Lambda carries bytes in JSON: Kafka keys and
// values in events, X-Amz-Log-Result.
void append_base64(std::string& out, std::string_view in);
std::string base64(std::string_view in);
// The bytes of standard, padded base64; none if `in` is not that.
std::optional<std::string> from_base64(std::string_view in);

}  // namespace esm::api_models
