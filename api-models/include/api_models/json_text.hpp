#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// JSON text written straight into a string, without a DOM or a writer object (the event encoder's
// pieces; it is the hot path of delivery), and a depth check of JSON text without parsing it.
namespace esm::api_models {

// `s` quoted, escaped as RapidJSON escapes strings everywhere else in the emulator: \" \\ \b \f
// \n \r \t, other control bytes as \u00XX, every other byte as it is.
void append_json_string(std::string& out, std::string_view s);
void append_json_integer(std::string& out, std::int64_t v);

// Where the nesting of `text` first passes `max_depth` (brackets inside strings do not count),
// found without parsing: untrusted JSON is refused past a depth before a recursive reader or a
// validator that slows down with depth sees it.
std::optional<std::size_t> json_nesting_passes(std::string_view text, std::size_t max_depth);

}  // namespace esm::api_models
