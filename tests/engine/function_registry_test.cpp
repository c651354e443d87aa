#include "engine/function_registry.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "api_models/function_name.hpp"

using esm::api_models::parse_function_name;
using esm::engine::FunctionRegistry;
using esm::engine::FunctionTarget;

TEST_CASE("FunctionRegistry: declarations with targets and timeouts", "[engine]") {
  FunctionRegistry r;
  REQUIRE(r.declare("orders=http://127.0.0.1:8080/path").ok());
  REQUIRE(r.declare("slow=exec:cat > /dev/null,timeout=900").ok());
  auto orders =
      r.resolve(*parse_function_name("arn:aws:lambda:us-east-1:123456789012:function:orders:PROD"));
  REQUIRE(orders);
  CHECK(orders->kind == FunctionTarget::Kind::Http);
  CHECK(orders->location == "http://127.0.0.1:8080/path");
  CHECK(orders->qualifier == "PROD");
  CHECK(orders->timeout == std::chrono::seconds(60));
  auto slow = r.resolve(*parse_function_name("slow"));
  REQUIRE(slow);
  CHECK(slow->kind == FunctionTarget::Kind::Exec);
  CHECK(slow->location == "cat > /dev/null");
  CHECK(slow->timeout == std::chrono::seconds(900));
  CHECK_FALSE(r.resolve(*parse_function_name("unknown")));
}

TEST_CASE("FunctionRegistry: bad declarations name the problem", "[engine]") {
  FunctionRegistry r;
  CHECK(r.declare("noequals").error().message.find("NAME=TARGET") != std::string::npos);
  CHECK(r.declare("f=ftp://x").error().message.find("target must be") != std::string::npos);
  CHECK(r.declare("f=http://example.test/,ca=/etc/hostname")
            .error()
            .message.find("https:// targets only") != std::string::npos);
  CHECK(r.declare("f=https://example.test/,ca=/no/such.pem")
            .error()
            .message.find("cannot read /no/such.pem") != std::string::npos);
  CHECK(r.declare("f=exec:x,timeout=abc").error().message.find("timeout") != std::string::npos);
  CHECK(r.declare("bad name=exec:x").error().message.find("not a valid") != std::string::npos);
}

TEST_CASE("FunctionRegistry: the Invoke API endpoint answers for undeclared functions",
          "[engine]") {
  FunctionRegistry r;
  r.set_lambda_endpoint("http://127.0.0.1:3001");
  auto t = r.resolve(*parse_function_name("anything:live"));
  REQUIRE(t);
  CHECK(t->kind == FunctionTarget::Kind::LambdaApi);
  CHECK(t->name == "anything");
  CHECK(t->qualifier == "live");
}

TEST_CASE("FunctionRegistry: a JSON file of declarations", "[engine]") {
  char path[] = "/tmp/esm-functions-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  {
    std::ofstream out(path);
    out << R"({"a": "http://127.0.0.1:1/", "b": {"target": "exec:true", "timeout": 5}})";
  }
  FunctionRegistry r;
  REQUIRE(r.declare_file(path).ok());
  CHECK(r.resolve(*parse_function_name("b"))->timeout == std::chrono::seconds(5));
  {
    std::ofstream out(path);
    out << R"({"a": 5})";
  }
  CHECK_FALSE(r.declare_file(path).ok());
  std::remove(path);
}

TEST_CASE("FunctionRegistry: runtime: declarations and their options", "[engine]") {
  FunctionRegistry r;
  REQUIRE(r.declare("py=runtime:python -m awslambdaric app.handler,memory=512,concurrency=3,"
                    "timeout=30,handler=app.handler")
              .ok());
  auto py = r.resolve(*parse_function_name("py"));
  REQUIRE(py);
  CHECK(py->kind == FunctionTarget::Kind::Runtime);
  CHECK(py->location == "python -m awslambdaric app.handler");
  CHECK(py->memory_mb == 512);
  CHECK(py->concurrency == 3);
  CHECK(py->handler == "app.handler");
  CHECK(py->timeout == std::chrono::seconds(30));
  REQUIRE(r.declare("plain=runtime:./bootstrap").ok());
  CHECK(r.resolve(*parse_function_name("plain"))->memory_mb == 128);
  CHECK(r.declare("m=runtime:x,memory=64").error().message.find("memory must be") !=
        std::string::npos);
  CHECK(r.declare("c=runtime:x,concurrency=0").error().message.find("concurrency must be") !=
        std::string::npos);
  CHECK(r.declare("e=exec:x,memory=256").error().message.find("runtime: only") !=
        std::string::npos);
  CHECK(r.declare("r=runtime:").error().message.find("target must be") != std::string::npos);
}

namespace {
// Declares the JSON `text` from a file; the error message, or "" when it was accepted.
std::string declare_json(FunctionRegistry& r, const std::string& text) {
  char path[] = "/tmp/esm-functions-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::ofstream(path) << text;
  auto result = r.declare_file(path);
  std::remove(path);
  return result.ok() ? "" : result.error().message;
}
}  // namespace

TEST_CASE("FunctionRegistry: runtime options and env in the JSON file", "[engine]") {
  FunctionRegistry r;
  REQUIRE(declare_json(r, R"({"py": {"target": "runtime:python3 -m awslambdaric",
      "handler": "app.handler", "memory": 1024, "concurrency": 2, "timeout": 9,
      "env": {"TABLE": "orders", "TZ": "Europe/Paris"}},
      "sh": {"target": "exec:cat", "env": {"MODE": "echo"}}})") == "");
  auto py = r.resolve(*parse_function_name("py"));
  REQUIRE(py);
  CHECK(py->handler == "app.handler");
  CHECK(py->memory_mb == 1024);
  CHECK(py->concurrency == 2);
  CHECK(py->timeout == std::chrono::seconds(9));
  CHECK(py->env == std::map<std::string, std::string>{{"TABLE", "orders"}, {"TZ", "Europe/Paris"}});
  CHECK(r.resolve(*parse_function_name("sh"))->env.at("MODE") == "echo");

  const auto refused = [&](const std::string& text, const std::string& expected) {
    FunctionRegistry fresh;
    const auto message = declare_json(fresh, text);
    INFO(message);
    CHECK(message.find(expected) != std::string::npos);
    CHECK(fresh.size() == 0);
  };
  refused(
      R"({"f": {"target": "runtime:x", "env": {"AWS_REGION": "eu-west-1", "LAMBDA_TASK_ROOT": "/x"}}})",
      "function 'f': Lambda was unable to configure your environment variables because the "
      "environment variables you have provided contains reserved keys that are currently not "
      "supported for modification. Reserved keys used in this request: AWS_REGION, "
      "LAMBDA_TASK_ROOT");
  refused(R"({"f": {"target": "runtime:x", "env": {"1BAD": "v"}}})", "'1BAD' is not a valid");
  refused(R"({"f": {"target": "runtime:x", "env": {"K": 5}}})", "values are strings");
  refused(R"({"f": {"target": "runtime:x", "env": {"BIG": ")" + std::string(4100, 'x') + R"("}}})",
          "exceeded the 4KB limit");
  refused(R"({"f": {"target": "http://127.0.0.1:1/", "env": {"K": "v"}}})",
          "env applies to runtime: and exec: only");
  refused(R"({"f": {"target": "runtime:x", "memory": 64}})", "memory must be 128 to 10240");
  refused(R"({"f": {"target": "exec:x", "handler": "h"}})", "runtime: only");
  refused(R"({"f": {"target": "runtime:x", "memroy": 256}})", "'memroy' is not an option");
  refused(R"({"f": {"target": "runtime:x", "concurrency": "2"}})",
          "'concurrency' has the wrong type");
  refused(R"({"f": {"timeout": 3}})", "'target' is missing");
}
