#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// JSON text written straight into a string, without a DOM or a writer object: what the event
// encoder and the schema registry's conversions to JSON share (both are on the delivery path).
namespace esm::api_models {

// `s` quoted, escaped as RapidJSON escapes strings everywhere else in the emulator: \" \\ \b \f
// \n \r \t, other control bytes as \u00XX, every other byte as it is.
void append_json_string(std::string& out, std::string_view s);
void append_json_integer(std::string& out, std::int64_t v);
// The shortest text that reads back as `d` (finite only; JSON has no NaN or infinity), with
// ".0" on an integral value, as RapidJSON writes doubles.
void append_json_double(std::string& out, double d);

}  // namespace esm::api_models
