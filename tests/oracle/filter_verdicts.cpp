// The emulator's side of the filter differential suite (tests/integration/test_filter_oracle.py):
// reads one JSON object per line on stdin, {"pattern": "<pattern text>", "value": "<record
// value>" or null}, and writes one verdict per line: "1" (the record passes), "0" (it is
// filtered out) or "E" (the pattern is refused), exactly as a mapping's runner decides.
#include <rapidjson/document.h>

#include <iostream>
#include <optional>
#include <string>

#include "api_models/filter_pattern.hpp"

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    rapidjson::Document pair;
    pair.Parse(line.data(), line.size());
    if (pair.HasParseError() || !pair.IsObject() || !pair.HasMember("pattern") ||
        !pair["pattern"].IsString()) {
      std::cout << "bad input\n";
      continue;
    }
    const auto filter =
        esm::api_models::RecordFilter::compile({std::string(pair["pattern"].GetString())});
    if (!filter) {
      std::cout << "E\n";
      continue;
    }
    std::optional<std::string_view> value;
    if (pair.HasMember("value") && pair["value"].IsString())
      value = std::string_view(pair["value"].GetString(), pair["value"].GetStringLength());
    std::cout << (filter->matches_kafka_value(value) ? "1\n" : "0\n");
  }
}
