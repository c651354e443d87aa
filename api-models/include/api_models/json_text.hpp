#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// JSON text written straight into a string, without a DOM or a writer object (the event encoder's
// pieces; it is the hot path of delivery).
namespace esm::api_models {

// `s` quoted, escaped as RapidJSON escapes strings everywhere else in the emulator: \" \\ \b \f
// \n \r \t, other control bytes as \u00XX, every other byte as it is.
void append_json_string(std::string& out, std::string_view s);
void append_json_integer(std::string& out, std::int64_t v);

}  // namespace esm::api_models
