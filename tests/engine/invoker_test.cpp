#include "engine/invoker.hpp"

#include <catch2/catch.hpp>

#include "kafka_test_util.hpp"
#include "test_http_server.hpp"

using esm::engine::FunctionTarget;
using Outcome = esm::engine::InvokeResult::Outcome;
using esm::testing::TestHttpServer;

namespace {
FunctionTarget target_of(FunctionTarget::Kind kind, const std::string& location, int timeout_s) {
  FunctionTarget t;
  t.kind = kind;
  t.location = location;
  t.timeout = std::chrono::seconds(timeout_s);
  return t;
}
FunctionTarget http_target(const std::string& url, int timeout_s = 5) {
  return target_of(FunctionTarget::Kind::Http, url, timeout_s);
}
FunctionTarget exec_target(const std::string& command, int timeout_s = 5) {
  return target_of(FunctionTarget::Kind::Exec, command, timeout_s);
}
const std::atomic<bool> kNoCancel{false};
// One invoker for the file, as the engine has one for all its runners.
esm::engine::InvokeResult invoke(const FunctionTarget& target, const std::string& payload,
                                 const std::atomic<bool>& cancel) {
  static esm::engine::FunctionInvoker invoker;
  return invoker.invoke(target, payload, {"mapping-uuid", "request-id"}, cancel);
}
}  // namespace

TEST_CASE("invoke: HTTP target gets the event POSTed and 2xx is success", "[engine]") {
  TestHttpServer server([](const std::string&, const std::string&) {
    return TestHttpServer::Reply{200, "done", {}, {}};
  });
  auto r = invoke(http_target(server.url("/fn")), R"({"a":1})", kNoCancel);
  CHECK(r.outcome == Outcome::Success);
  CHECK(r.body == "done");
  REQUIRE(server.bodies().size() == 1);
  CHECK(server.bodies()[0] == R"({"a":1})");
  CHECK(server.targets()[0] == "/fn");
  CHECK(server.raw_heads()[0].find("X-Esm-Mapping-Uuid: mapping-uuid\r\n") != std::string::npos);
  CHECK(server.raw_heads()[0].find("X-Esm-Request-Id: request-id\r\n") != std::string::npos);
}

TEST_CASE("invoke: HTTP/1.1 keep-alive connections carry the next invocations", "[engine]") {
  TestHttpServer server;
  server.keep_alive(100);
  for (int i = 0; i < 5; ++i) {
    CHECK(
        invoke(http_target(server.url()), "{\"n\":" + std::to_string(i) + "}", kNoCancel).outcome ==
        Outcome::Success);
  }
  REQUIRE(server.bodies().size() == 5);
  CHECK(server.bodies()[4] == R"({"n":4})");
  CHECK(server.connections() == 1);
}

TEST_CASE("invoke: a kept-alive connection the function closed is replaced, each event sent once",
          "[engine]") {
  TestHttpServer server;
  // Answers as keep-alive, then takes the next request on that connection and closes it unread.
  server.keep_alive(1, true);
  for (int i = 0; i < 4; ++i) {
    auto r = invoke(http_target(server.url()), "{\"n\":" + std::to_string(i) + "}", kNoCancel);
    CHECK(r.outcome == Outcome::Success);
  }
  const auto bodies = server.bodies();
  REQUIRE(bodies.size() == 4);
  for (int i = 0; i < 4; ++i) CHECK(bodies[i] == "{\"n\":" + std::to_string(i) + "}");
  CHECK(server.connections() == 4);
}

TEST_CASE(
    "invoke: an exchange abandoned on a kept-alive connection leaves nothing pending for "
    "the thread's next one",
    "[engine]") {
  std::atomic<int> seen{0};
  TestHttpServer server([&](const std::string&, const std::string&) {
    const int n = seen++;
    return TestHttpServer::Reply{200,
                                 "{\"answer\":" + std::to_string(n) + "}",
                                 {},
                                 std::chrono::milliseconds(n == 1 ? 1500 : 0)};
  });
  server.keep_alive(100);
  CHECK(invoke(http_target(server.url()), "{}", kNoCancel).body == R"({"answer":0})");
  // The second goes on the kept-alive connection, and is cancelled while its read is pending.
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    esm::testing::eventually([&] { return server.bodies().size() == 2; });
    cancel = true;
  });
  const auto cancelled = invoke(http_target(server.url()), "{}", cancel);
  canceller.join();
  CHECK(cancelled.outcome == Outcome::Cancelled);
  // A new connection, then that one kept alive: back on the thread's loop.
  for (int n = 2; n < 4; ++n) {
    const auto next = invoke(http_target(server.url()), "{}", kNoCancel);
    CHECK(next.outcome == Outcome::Success);
    CHECK(next.body == "{\"answer\":" + std::to_string(n) + "}");
  }
  CHECK(server.connections() == 2);
}

TEST_CASE("invoke: non-2xx or X-Amz-Function-Error is a function error", "[engine]") {
  TestHttpServer failing([](const std::string&, const std::string&) {
    return TestHttpServer::Reply{500, "boom", {}, {}};
  });
  CHECK(invoke(http_target(failing.url()), "{}", kNoCancel).outcome == Outcome::FunctionError);
  TestHttpServer flagged([](const std::string&, const std::string&) {
    return TestHttpServer::Reply{200, "{}", {{"X-Amz-Function-Error", "Unhandled"}}, {}};
  });
  auto r = invoke(http_target(flagged.url()), "{}", kNoCancel);
  CHECK(r.outcome == Outcome::FunctionError);
  CHECK(r.detail.find("Unhandled") != std::string::npos);
}

TEST_CASE("invoke: a refused connection is a connection error and a hang times out", "[engine]") {
  int port = 0;
  {
    TestHttpServer gone;
    port = gone.port();
  }
  CHECK(invoke(http_target("http://127.0.0.1:" + std::to_string(port) + "/"), "{}", kNoCancel)
            .outcome == Outcome::ConnectionError);
  TestHttpServer slow([](const std::string&, const std::string&) {
    return TestHttpServer::Reply{200, "{}", {}, std::chrono::milliseconds(3000)};
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = invoke(http_target(slow.url(), 1), "{}", kNoCancel);
  CHECK(r.outcome == Outcome::FunctionError);
  CHECK(r.detail.find("timed out") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(2900));
}

TEST_CASE("invoke: the Lambda Invoke API path, qualifier and invocation type", "[engine]") {
  TestHttpServer api;
  FunctionTarget t;
  t.kind = FunctionTarget::Kind::LambdaApi;
  t.location = api.url("");
  t.name = "my-fn";
  t.qualifier = "live";
  t.timeout = std::chrono::seconds(5);
  CHECK(invoke(t, "{}", kNoCancel).outcome == Outcome::Success);
  REQUIRE(api.targets().size() == 1);
  CHECK(api.targets()[0] == "/2015-03-31/functions/my-fn/invocations?Qualifier=live");
  CHECK(api.raw_heads()[0].find("X-Amz-Invocation-Type: RequestResponse") != std::string::npos);
}

TEST_CASE("invoke: exec targets read the event on stdin and the exit status decides", "[engine]") {
  auto ok = invoke(exec_target("tr a-z A-Z"), "hello", kNoCancel);
  CHECK(ok.outcome == Outcome::Success);
  CHECK(ok.body == "HELLO");
  auto ids =
      invoke(exec_target("printf '%s %s %s' \"$ESM_MAPPING_UUID\" \"$ESM_REQUEST_ID\" \"$HOME\""),
             "{}", kNoCancel);
  CHECK(ids.body ==
        std::string("mapping-uuid request-id ") + (getenv("HOME") ? getenv("HOME") : ""));
  auto fail = invoke(exec_target("echo oops >&2; exit 3"), "{}", kNoCancel);
  CHECK(fail.outcome == Outcome::FunctionError);
  CHECK(fail.detail == "exit status 3: oops");
  auto ignores_stdin = invoke(exec_target("true"), std::string(1 << 20, 'x'), kNoCancel);
  CHECK(ignores_stdin.outcome == Outcome::Success);
  const auto start = std::chrono::steady_clock::now();
  auto hang = invoke(exec_target("sleep 30", 1), "{}", kNoCancel);
  CHECK(hang.outcome == Outcome::FunctionError);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("invoke: cancellation abandons a running invocation", "[engine]") {
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(200));  // the invocation must be under way
    cancel = true;
  });
  auto r = invoke(exec_target("sleep 30", 60), "{}", cancel);
  canceller.join();
  CHECK(r.outcome == Outcome::Cancelled);
}
