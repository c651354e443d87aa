#include "api_models/filter_pattern.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace esm::api_models;

namespace {

bool matches(const std::string& pattern, const std::string& event) {
  auto f = RecordFilter::compile({pattern});
  REQUIRE(f.has_value());
  return f->matches_event(event);
}

struct Case {
  const char* pattern;
  const char* event;
  bool expected;
};

}  // namespace

// Verdicts as software.amazon.event.ruler 2.1.0 gives them (the differential suite checks many
// more against it; these are the rules a reader would ask about).
TEST_CASE("filter: each operator of Lambda's table, matched and not", "[api_models][filter]") {
  const std::vector<Case> cases = {
      {R"({"a":[null]})", R"({"a":null})", true},
      {R"({"a":[null]})", R"({})", false},
      {R"({"a":[""]})", R"({"a":""})", true},
      {R"({"a":["x"]})", R"({"a":"x"})", true},
      {R"({"a":["x"]})", R"({"a":"X"})", false},
      {R"({"a":[100]})", R"({"a":100.0})", true},  // numbers equal by value
      {R"({"a":[100]})", R"({"a":1e2})", true},
      {R"({"a":["100"]})", R"({"a":100})", false},  // a string is not a number
      {R"({"a":[true]})", R"({"a":true})", true},
      {R"({"a":[true]})", R"({"a":"true"})", false},
      {R"({"a":[{"equals-ignore-case":"aBc"}]})", R"({"a":"AbC"})", true},
      {R"({"a":[{"equals-ignore-case":"ÄB"}]})", R"({"a":"äb"})", true},
      {R"({"a":[{"equals-ignore-case":"5"}]})", R"({"a":5})", false},
      {R"({"a":["x"],"b":["y"]})", R"({"a":"x","b":"y"})", true},  // AND
      {R"({"a":["x"],"b":["y"]})", R"({"a":"x","b":"z"})", false},
      {R"({"a":["x","y"]})", R"({"a":"y"})", true},  // OR within a list
      {R"({"$or":[{"a":[1]},{"b":[2]}]})", R"({"b":2})", true},
      {R"({"$or":[{"a":[1]},{"b":[2]}]})", R"({"a":2,"b":1})", false},
      {R"({"a":[{"anything-but":["x"]}]})", R"({"a":"y"})", true},
      {R"({"a":[{"anything-but":["x"]}]})", R"({"a":"x"})", false},
      {R"({"a":[{"anything-but":"x"}]})", R"({"a":"x"})", false},
      {R"({"a":[{"anything-but":["x"]}]})", R"({"a":5})", true},     // other types differ
      {R"({"a":[{"anything-but":["x"]}]})", R"({"a":null})", true},  // null is a value
      {R"({"a":[{"anything-but":["x"]}]})", R"({})", false},         // but a value is needed
      {R"({"a":[{"anything-but":[5]}]})", R"({"a":"5"})", true},
      {R"({"a":[{"anything-but":["x"]}]})", R"({"a":["x","y"]})", true},  // any element
      {R"({"a":[{"numeric":["=",100]}]})", R"({"a":100})", true},
      {R"({"a":[{"numeric":[">",10,"<=",20]}]})", R"({"a":20})", true},
      {R"({"a":[{"numeric":[">",10,"<=",20]}]})", R"({"a":10})", false},
      {R"({"a":[{"numeric":[">=",10]}]})", R"({"a":10})", true},
      {R"({"a":[{"numeric":["<",0]}]})", R"({"a":-0.5})", true},
      {R"({"a":[{"numeric":[">",0]}]})", R"({"a":"3"})", false},
      {R"({"a":[{"exists":true}]})", R"({"a":null})", true},
      {R"({"a":[{"exists":true}]})", R"({"a":{"b":1}})", false},  // leaves only
      {R"({"a":[{"exists":true}]})", R"({"a":[]})", false},
      {R"({"a":[{"exists":false}]})", R"({})", true},
      {R"({"a":[{"exists":false}]})", R"({"a":[]})", true},
      {R"({"a":[{"exists":false}]})", R"({"a":{"b":1}})", true},
      {R"({"a":[{"exists":false}]})", R"({"a":null})", false},
      {R"({"a":[{"prefix":"us-"}]})", R"({"a":"us-east-1"})", true},
      {R"({"a":[{"prefix":"us-"}]})", R"({"a":"eu-us-"})", false},
      {R"({"a":[{"prefix":""}]})", R"({"a":"x"})", true},
      {R"({"a":[{"prefix":"a"}]})", R"({"a":5})", false},
      {R"({"a":[{"suffix":".png"}]})", R"({"a":"x.png"})", true},
      {R"({"a":[{"suffix":".png"}]})", R"({"a":"png"})", false},
      {R"({"a":[{"suffix":"b"}]})", R"({"a":["xb",1]})", true},
      {R"({"a":{"b":{"c":["x"]}}})", R"({"a":{"b":{"c":"x"}}})", true},  // nesting
      {R"({"a":{"b":["x"]}})", R"({"a":"x"})", false},
      {R"({"a":{"b":[{"exists":false}]}})", R"({})", true},
      {R"({"a":{"b":[{"exists":false}]}})", R"({"a":5})", true},
      // Objects inside an array are matched one by one: b and c must hold in the same element.
      {R"({"a":{"b":[1],"c":[2]}})", R"({"a":[{"b":1,"c":3},{"b":2,"c":2}]})", false},
      {R"({"a":{"b":[1],"c":[2]}})", R"({"a":[{"b":1,"c":3},{"b":1,"c":2}]})", true},
      {R"({"a":[3]})", R"({"a":[1,[2,[3]]]})", true},  // arrays in arrays
      // "$or" alternatives are variants of the whole pattern: a field named beside the "$or" and
      // in an alternative is decided by whichever comes later in the text (as event-ruler does);
      // object paths from both sides are combined.
      {R"({"a":["x"],"$or":[{"a":["y"]},{"b":[1]}]})", R"({"a":"y"})", true},
      {R"({"$or":[{"a":["y"]},{"b":[1]}],"a":["x"]})", R"({"a":"y"})", false},
      {R"({"$or":[{"a":["y"]},{"b":[1]}],"a":["x"]})", R"({"a":"x","b":1})", true},
      {R"({"a":{"b":[1]},"$or":[{"a":{"c":[2]}},{"x":[1]}]})", R"({"a":{"b":5,"c":2}})", false},
      {R"({"a":{"b":[1]},"$or":[{"a":{"c":[2]}},{"x":[1]}]})", R"({"a":{"b":1,"c":2}})", true},
  };
  for (const auto& c : cases) {
    INFO(c.pattern << " against " << c.event);
    CHECK(matches(c.pattern, c.event) == c.expected);
  }
}

TEST_CASE("filter: invalid patterns, each refused", "[api_models][filter]") {
  for (const char* p : {
           "not json",
           "{}",
           "[]",
           "\"x\"",
           R"({"a":[]})",
           R"({"a":"x"})",
           R"({"a":1})",
           R"({"a":[[1]]})",
           R"({"a":[{}]})",
           R"({"a":[{"prefix":1}]})",
           R"({"a":[{"exists":"yes"}]})",
           R"({"a":[{"exists":true,"prefix":"a"}]})",
           R"({"a":[{"numeric":["<",5,">",0]}]})",
           R"({"a":[{"numeric":[">",0,">",1]}]})",
           R"({"a":[{"numeric":["=",1,"<",2]}]})",
           R"({"a":[{"numeric":["~",1]}]})",
           R"({"a":[{"numeric":[">",5,"<",1]}]})",
           R"({"a":[{"numeric":[">"]}]})",
           R"({"a":[{"numeric":[">","1"]}]})",
           R"({"a":[{"anything-but":[]}]})",
           R"({"a":[{"anything-but":["x",1]}]})",
           R"({"a":[{"anything-but":true}]})",
           R"({"a":[{"anything-but":[null]}]})",
           R"({"a":[{"anything-but":{"prefix":"x"}}]})",
           R"({"a":[{"wildcard":"x*"}]})",
           R"({"a":[{"cidr":"10.0.0.0/8"}]})",
           R"({"a":[{"prefix":{"equals-ignore-case":"x"}}]})",
           R"({"$or":[{"a":[1]}]})",
           R"({"$or":{"a":[1]}})",
           R"({"$or":[{"a":[1]},"b"]})",
           R"({"a":{}})",
       }) {
    INFO(p);
    CHECK_FALSE(is_valid_filter_pattern(p));
    CHECK_FALSE(RecordFilter::compile({p}).has_value());
  }
}

TEST_CASE("filter: a deeply nested pattern is refused, a deeply nested value is matched safely",
          "[api_models][filter]") {
  std::string deep_pattern;
  for (int i = 0; i < 40; ++i) deep_pattern += R"({"a":)";
  deep_pattern += R"(["x"])" + std::string(40, '}');
  CHECK_FALSE(is_valid_filter_pattern(deep_pattern));

  auto f = RecordFilter::compile({R"({"value":{"a":[1]}})"});
  REQUIRE(f);
  const std::string deep_value = std::string(100000, '[') + std::string(100000, ']');
  CHECK_FALSE(f->matches_kafka_value(deep_value));
  const std::string deep_array =
      R"({"a":)" + std::string(100000, '[') + "1" + std::string(100000, ']') + "}";
  CHECK_FALSE(f->matches_kafka_value(deep_array));  // leaves deeper than 64 arrays are not seen
  // The deepest a short value (parsed recursively) can nest.
  CHECK_FALSE(f->matches_kafka_value(std::string(1024, '[') + std::string(1024, ']')));
  CHECK(f->matches_kafka_value(R"({"a":)" + std::string(1000, '[') + "1" + std::string(1000, ']') +
                               "}") == false);
}

TEST_CASE("filter: Kafka values are matched as JSON, as text, or not at all",
          "[api_models][filter]") {
  auto json = RecordFilter::compile({R"({"value":{"type":["order"]}})"});
  REQUIRE(json);
  CHECK(json->matches_kafka_value(R"({"type":"order","n":1})"));
  CHECK_FALSE(json->matches_kafka_value(R"({"type":"refund"})"));
  CHECK_FALSE(json->matches_kafka_value("hello"));       // text against a JSON pattern
  CHECK_FALSE(json->matches_kafka_value(std::nullopt));  // a tombstone has no value
  CHECK_FALSE(json->matches_kafka_value(R"({"type":"order"} trailing)"));

  auto text = RecordFilter::compile({R"({"value":[{"anything-but":["error"]}]})"});
  REQUIRE(text);
  CHECK(text->matches_kafka_value("all good"));
  CHECK_FALSE(text->matches_kafka_value("error"));
  CHECK(text->matches_kafka_value(""));
  CHECK_FALSE(text->matches_kafka_value(std::string_view("\xff\xfe", 2)));  // not UTF-8
  CHECK(text->matches_kafka_value("42"));  // valid JSON: the number 42, which is not "error"

  auto numbers = RecordFilter::compile({R"({"value":[{"numeric":[">",10]}]})"});
  REQUIRE(numbers);
  CHECK(numbers->matches_kafka_value("42"));
  CHECK_FALSE(numbers->matches_kafka_value("9"));

  // A format mismatch is matched like any event: only "exists": false can hold.
  auto absent = RecordFilter::compile({R"({"value":{"type":[{"exists":false}]}})"});
  REQUIRE(absent);
  CHECK(absent->matches_kafka_value("hello"));
  CHECK_FALSE(text->matches_kafka_value(R"({"a":"all good"})"));

  auto tombstones = RecordFilter::compile({R"({"value":[{"exists":false}]})"});
  REQUIRE(tombstones);
  CHECK(tombstones->matches_kafka_value(std::nullopt));
  CHECK_FALSE(tombstones->matches_kafka_value("x"));
}

TEST_CASE("filter: several patterns, ORed", "[api_models][filter]") {
  auto f = RecordFilter::compile({R"({"value":{"t":["a"]}})", R"({"value":{"t":["b"]}})"});
  REQUIRE(f);
  CHECK(f->matches_kafka_value(R"({"t":"a"})"));
  CHECK(f->matches_kafka_value(R"({"t":"b"})"));
  CHECK_FALSE(f->matches_kafka_value(R"({"t":"c"})"));
  CHECK_FALSE(RecordFilter::compile({R"({"value":{"t":["a"]}})", "{}"}));  // one bad: none
}

TEST_CASE("filter: fields besides value are named", "[api_models][filter]") {
  CHECK(fields_besides_value(R"({"value":{"a":[1]}})").empty());
  CHECK(fields_besides_value(R"({"key":["k"],"value":{"a":[1]}})") ==
        std::vector<std::string>{"key"});
  CHECK(fields_besides_value(R"({"$or":[{"partition":[0]},{"value":[1]}],"offset":[1]})") ==
        std::vector<std::string>{"partition", "offset"});
}
