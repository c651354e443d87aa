#include "api_models/json_text.hpp"

#include <catch2/catch.hpp>
#include <limits>
#include <string>

using namespace esm::api_models;
using namespace std::string_literals;

namespace {

std::string string_of(std::string_view s) {
  std::string out = "x";  // appended to, not replaced
  append_json_string(out, s);
  return out;
}

}  // namespace

TEST_CASE("JSON text: strings quoted, escaped as RapidJSON escapes them, the rest as it is",
          "[api_models]") {
  CHECK(string_of("") == R"(x"")");
  CHECK(string_of("plain text") == R"(x"plain text")");
  CHECK(string_of("a\"b\\c") == R"(x"a\"b\\c")");
  CHECK(string_of("\b\f\n\r\t") == R"(x"\b\f\n\r\t")");
  CHECK(string_of("\x01\x1f"s + "\0"s) == R"(x"\u0001\u001F\u0000")");
  CHECK(string_of("caf\xc3\xa9 \x7f") == "x\"caf\xc3\xa9 \x7f\"");  // UTF-8 and DEL unescaped
}

TEST_CASE("JSON text: integers, the smallest and the largest", "[api_models]") {
  std::string out;
  append_json_integer(out, std::numeric_limits<std::int64_t>::min());
  out += ' ';
  append_json_integer(out, std::numeric_limits<std::int64_t>::max());
  CHECK(out == "-9223372036854775808 9223372036854775807");
}
