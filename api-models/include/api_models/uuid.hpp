#pragma once

#include <string>

namespace esm::api_models {

// A random version-4 UUID, lower-case 8-4-4-4-12 hex, as AWS's mapping UUIDs and request ids.
std::string random_uuid();

}  // namespace esm::api_models
