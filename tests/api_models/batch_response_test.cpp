#include "api_models/batch_response.hpp"

#include <catch2/catch.hpp>

using esm::api_models::parse_batch_item_failures;

TEST_CASE("batch item failures: what reads as success, as listed failures, as a failed batch",
          "[api_models][batch_response]") {
  struct Row {
    const char* body;
    bool whole_batch_failed;
    std::size_t items;
  };
  const Row rows[] = {
      {"", false, 0},
      {"  \n", false, 0},
      {"null", false, 0},
      {"{}", false, 0},
      {R"({"statusCode":200})", false, 0},
      {R"({"batchItemFailures":[]})", false, 0},
      {R"({"batchItemFailures":null})", false, 0},
      {R"({"batchItemFailures":[{"itemIdentifier":{"partition":"t-0","offset":1}}]})", false, 1},
      {R"({"batchItemFailures":[{"itemIdentifier":{"partition":"t-0","offset":"7"}},
          {"itemIdentifier":{"partition":"t-1","offset":3}}]})",
       false, 2},
      {"not json", true, 0},
      {"[1,2]", true, 0},
      {"\"ok\"", true, 0},
      {R"({"batchItemFailures":{}})", true, 0},
      {R"({"batchItemFailures":[{}]})", true, 0},
      {R"({"batchItemFailures":[{"itemIdentifier":null}]})", true, 0},
      {R"({"batchItemFailures":[{"itemIdentifier":{"partition":"","offset":1}}]})", true, 0},
      {R"({"batchItemFailures":[{"itemIdentifier":{"partition":"t-0"}}]})", true, 0},
      {R"({"batchItemFailures":[{"itemIdentifier":{"partition":"t-0","offset":"x1"}}]})", true, 0},
      {R"({"batchItemFailures":[{"itemIdentifier":{"partition":"t-0","offset":1.5}}]})", true, 0},
      {R"({"batchItemFailures":[{"itemIdentifier":{"partition":"t-0","offset":1}},7]})", true, 0},
  };
  for (const auto& row : rows) {
    INFO(row.body);
    const auto r = parse_batch_item_failures(row.body);
    CHECK(r.whole_batch_failed == row.whole_batch_failed);
    CHECK(r.items.size() == row.items);
  }
  const auto two = parse_batch_item_failures(
      R"({"batchItemFailures":[{"itemIdentifier":{"partition":"my-topic-3","offset":"42"}}]})");
  REQUIRE(two.items.size() == 1);
  CHECK(two.items[0].partition == "my-topic-3");
  CHECK(two.items[0].offset == 42);
}
