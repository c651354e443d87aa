#pragma once

#include <optional>
#include <string_view>

#include "api_models/error.hpp"
#include "http_types.hpp"

namespace esm::server {

// Browsers send Origin and Sec-Fetch-Site; AWS SDKs and CLIs send neither. A request that would
// change something (any method but GET and HEAD) from a page of another origin is refused: the
// dashboard's own calls are same-origin, and no other page a browser loads may act for its user.
std::optional<api_models::ApiError> cross_origin_refusal(const Request& req);

// Whether two secrets are equal, in a time that does not depend on where they differ.
bool same_secret(std::string_view given, std::string_view expected);

}  // namespace esm::server
