#include "router.hpp"

#include <catch2/catch.hpp>

using namespace esm::server;

TEST_CASE("Router: placeholders, trailing slashes, 404 and 405 as JSON errors", "[server]") {
  Router r;
  r.add("GET", "/2015-03-31/event-source-mappings", [](Request&) {
    return Response{200, {}, "list"};
  });
  r.add("GET", "/2015-03-31/event-source-mappings/{UUID}", [](Request& q) {
    return Response{200, {}, q.path_params[0]};
  });
  r.add("GET", "/2017-03-31/tags/{ARN}", [](Request& q) {
    return Response{200, {}, q.path_params[0]};
  });
  Request req;
  req.method = "GET";
  req.request_id = "rid";
  req.path = "/2015-03-31/event-source-mappings/";
  CHECK(r.dispatch(req).body == "list");
  req.path = "/2015-03-31/event-source-mappings";
  CHECK(r.dispatch(req).body == "list");
  req.path = "/2015-03-31/event-source-mappings/abc";
  CHECK(r.dispatch(req).body == "abc");
  req.path = "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1";
  CHECK(r.dispatch(req).body == "arn:aws:lambda:us-east-1");
  req.path = "/nowhere";
  auto missing = r.dispatch(req);
  CHECK(missing.status == 404);
  CHECK(missing.body.find("UnknownOperation") == std::string::npos);  // type travels in the header
  CHECK(missing.headers[0] ==
        std::pair<std::string, std::string>{"X-Amzn-ErrorType", "UnknownOperationException"});
  req.method = "PATCH";
  req.path = "/2015-03-31/event-source-mappings";
  CHECK(r.dispatch(req).status == 405);
}

TEST_CASE("Router: query strings decode, malformed escapes and floods are refused", "[server]") {
  std::multimap<std::string, std::string> q;
  REQUIRE(parse_query("FunctionName=arn%3Aaws%3Alambda&MaxItems=5&tagKeys=a&tagKeys=b+c", q));
  CHECK(q.find("FunctionName")->second == "arn:aws:lambda");
  CHECK(q.count("tagKeys") == 2);
  std::multimap<std::string, std::string> bad;
  CHECK_FALSE(parse_query("a=%zz", bad));
  CHECK_FALSE(parse_query("a=%4", bad));
  std::string flood;
  for (int i = 0; i < 101; ++i) flood += "k" + std::to_string(i) + "=v&";
  std::multimap<std::string, std::string> many;
  CHECK_FALSE(parse_query(flood, many));
}

TEST_CASE("Router: the routes that wait are told apart by method and path", "[server]") {
  Router r;
  const auto ok = [](Request&) { return Response{200, {}, ""}; };
  r.add("GET", "/2015-03-31/functions/{FunctionName}", ok);
  r.add("POST", "/2015-03-31/functions/{FunctionName}/invocations", ok, Router::Waits::Yes);
  Request req;
  req.method = "POST";
  req.path = "/2015-03-31/functions/orders/invocations";
  CHECK(r.waits(req));
  req.path = "/2015-03-31/functions/orders/invocations/";  // a trailing slash routes the same
  CHECK(r.waits(req));
  req.method = "GET";  // the same path, another method: not that route
  CHECK_FALSE(r.waits(req));
  req.path = "/2015-03-31/functions/orders";
  CHECK_FALSE(r.waits(req));
  req.method = "POST";
  req.path = "/2015-03-31/functions//invocations";  // an empty placeholder matches nothing
  CHECK_FALSE(r.waits(req));
  req.path = "/elsewhere";
  CHECK_FALSE(r.waits(req));
}
