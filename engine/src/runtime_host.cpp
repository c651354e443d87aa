#include "runtime_host.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <thread>

#include "api_models/function_json.hpp"
#include "api_models/invocation_log.hpp"
#include "engine/thread_name.hpp"

extern char** environ;

namespace esm::engine {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using api_models::function_error_json;

namespace {

constexpr std::size_t kMaxResponse = 6291456;  // Lambda's synchronous response quota
constexpr std::size_t kBodyLimit = 16 * 1024 * 1024;
constexpr std::string_view kPrefix = "/2018-06-01/runtime/";

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_hex(std::size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (auto& c : out) c = kHex[rng() % 16];
  return out;
}

// X-Ray's trace header form, as Lambda passes it (not sampled: no X-Ray here).
std::string trace_id() {
  char t[9];
  std::snprintf(t, sizeof t, "%08llx", static_cast<unsigned long long>(std::time(nullptr)));
  return "Root=1-" + std::string(t) + "-" + random_hex(24) + ";Parent=" + random_hex(16) +
         ";Sampled=0";
}

std::string log_stream_name() {
  char day[16];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(day, sizeof day, "%Y/%m/%d", &tm);
  return std::string(day) + "/[$LATEST]" + random_hex(32);
}

// The environment Lambda gives a runtime, on top of the emulator's own, and the operator's
// variables on top of both (none of Lambda's reserved keys: FunctionRegistry refuses those).
std::vector<std::string> runtime_environment(const RuntimeSpec& s, const std::string& api) {
  const std::map<std::string, std::string> ours = {
      {"AWS_LAMBDA_RUNTIME_API", api},
      {"AWS_LAMBDA_FUNCTION_NAME", s.name},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(s.memory_mb)},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + s.name},
      {"AWS_LAMBDA_LOG_STREAM_NAME", log_stream_name()},
      {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
      {"AWS_REGION", s.region},
      {"AWS_DEFAULT_REGION", s.region},
      {"AWS_EXECUTION_ENV", "esm-emulator"},
      {"_HANDLER", s.handler},
      {"LAMBDA_TASK_ROOT", ""},  // replaced below by the working directory
      {"LAMBDA_RUNTIME_DIR", ""},
      {"TZ", ":UTC"},
  };
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string key(entry.substr(0, eq));
    if (!ours.contains(key) && !s.env.contains(key)) out.emplace_back(entry);
  }
  char cwd[4096];
  const std::string here = getcwd(cwd, sizeof cwd) ? cwd : "/";
  for (const auto& [k, v] : ours) {
    if (s.env.contains(k)) continue;  // TZ, which Lambda lets a function set
    out.push_back(k + "=" + (k == "LAMBDA_TASK_ROOT" || k == "LAMBDA_RUNTIME_DIR" ? here : v));
  }
  for (const auto& [k, v] : s.env) out.push_back(k + "=" + v);
  return out;
}

// The process's peak resident memory, in MB (REPORT's "Max Memory Used").
long max_memory_mb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  for (int i = 0; i < 100 && std::getline(status, line); ++i) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6) / 1024;
  }
  return 0;
}

}  // namespace

// One execution environment: the runtime's process and its Runtime API endpoint. Threads: an
// acceptor, one per connection, one per output stream, one waiting for the process. run() from
// the invocation's thread, one invocation at a time.
class RuntimeEnvironment {
 public:
  RuntimeEnvironment(const RuntimeSpec& spec, api_models::Logger* log)
      : spec_(spec), log_(log), acceptor_(io_) {}
  ~RuntimeEnvironment() { stop(); }
  RuntimeEnvironment(const RuntimeEnvironment&) = delete;
  RuntimeEnvironment& operator=(const RuntimeEnvironment&) = delete;

  std::optional<std::string> start();
  InvokeResult run(const std::string& payload, const InvocationIds& ids,
                   const std::atomic<bool>& cancel);
  bool usable() {
    std::lock_guard lock(mutex_);
    return !dead_;
  }
  Clock::time_point idle_since = Clock::now();

 private:
  struct Invocation {
    std::string id, payload;
    std::int64_t deadline_ms = 0;
  };
  void accept_loop();
  void serve(tcp::socket socket);
  http::response<http::string_body> handle(const http::request<http::string_body>& req);
  http::response<http::string_body> next(unsigned version);
  http::response<http::string_body> complete(const std::string& id, bool ok,
                                             const http::request<http::string_body>& req);
  struct OutputStream {
    int fd = -1;  // non-blocking; closed by its reader at EOF
    const char* name = "";
    std::string partial;  // a line not ended yet
    bool eof = false;
  };
  InvokeResult outcome(const InvocationIds& ids, const std::atomic<bool>& cancel);
  void read_output(OutputStream& stream);
  void consume(OutputStream& stream);
  void drain_output();
  void print(const OutputStream& stream, const std::string& line);
  void wait_process();
  void kill_process();
  void stop();
  void say(const std::string& line) {
    if (log_) log_->info("", "function " + spec_.name + ": " + line);
  }

  const RuntimeSpec spec_;  // a copy: an environment may end after its host
  api_models::Logger* log_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  pid_t pid_ = -1;
  Clock::time_point spawned_;
  std::vector<std::thread> threads_;  // acceptor, output readers, process waiter

  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<Invocation> pending_;  // guarded: given to the runtime by /next
  std::string current_;                // guarded: the request id the runtime holds
  std::string printed_;                // guarded: its output while it holds current_
  // Held while a stream is read, by its reader thread or by drain_output(); taken before mutex_.
  std::mutex read_mutex_;
  OutputStream streams_[2];             // guarded by read_mutex_: stdout, stderr
  std::optional<InvokeResult> result_;  // guarded: what /response or /error said
  std::optional<std::string> init_error_;
  std::optional<double> init_ms_;  // guarded: set at the first /next
  Clock::time_point handed_;       // guarded: when /next gave out the current invocation
  bool init_reported_ = false;     // guarded
  bool exited_ = false;            // guarded
  int exit_status_ = 0;            // guarded
  bool dead_ = false;              // guarded: not to be used again
  bool stopping_ = false;          // guarded
  std::vector<int> connections_;   // guarded: sockets to shut down at stop
  std::vector<std::thread> connection_threads_;  // guarded
};

std::optional<std::string> RuntimeEnvironment::start() {
  beast::error_code ec;
  acceptor_.open(tcp::v4(), ec);
  if (!ec) acceptor_.bind({net::ip::make_address_v4("127.0.0.1"), 0}, ec);
  if (!ec) acceptor_.listen(16, ec);
  if (ec) return "cannot listen for the Runtime API: " + ec.message();
  fcntl(acceptor_.native_handle(), F_SETFD, FD_CLOEXEC);
  const std::string api = "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  auto env = runtime_environment(spec_, api);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return "pipe failed";
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return "pipe failed";
  }
  spawned_ = Clock::now();
  pid_ = fork();
  if (pid_ == 0) {
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    setpgid(0, 0);
    execle("/bin/sh", "sh", "-c", spec_.command.c_str(), static_cast<char*>(nullptr), envp.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  if (pid_ < 0) {
    close(out[0]);
    close(err[0]);
    return std::string("fork failed: ") + std::strerror(errno);
  }
  streams_[0] = {out[0], "stdout", "", false};
  streams_[1] = {err[0], "stderr", "", false};
  for (int fd : {out[0], err[0]}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  threads_.emplace_back([this] {
    name_this_thread("esm-runtime");
    accept_loop();
  });
  threads_.emplace_back([this] {
    name_this_thread("esm-runtime-out");
    read_output(streams_[0]);
  });
  threads_.emplace_back([this] {
    name_this_thread("esm-runtime-out");
    read_output(streams_[1]);
  });
  threads_.emplace_back([this] {
    name_this_thread("esm-runtime");
    wait_process();
  });
  return std::nullopt;
}

InvokeResult RuntimeEnvironment::run(const std::string& payload, const InvocationIds& ids,
                                     const std::atomic<bool>& cancel) {
  const auto start = Clock::now();
  const auto deadline = start + spec_.timeout;
  say(api_models::start_line(ids.request_id));
  std::unique_lock lock(mutex_);
  pending_ = Invocation{ids.request_id, payload,
                        epoch_ms() + std::chrono::milliseconds(spec_.timeout).count()};
  result_.reset();
  printed_.clear();
  cv_.notify_all();
  // Bounded by the deadline; woken by /response, /error, /init/error and the process's exit.
  while (!result_ && !exited_ && !init_error_ && !cancel.load() && Clock::now() < deadline)
    cv_.wait_for(lock, std::chrono::milliseconds(50));
  // Duration from the moment the runtime took the event (a cold start's init is reported apart).
  const auto from = handed_ > start ? handed_ : start;
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - from).count();
  InvokeResult r = outcome(ids, cancel);
  const bool replace = dead_;
  lock.unlock();
  if (replace) kill_process();
  drain_output();  // what the runtime printed before it answered is in its pipes by now
  lock.lock();
  pending_.reset();
  current_.clear();
  const std::string printed = std::move(printed_);
  printed_.clear();
  api_models::InvocationReport report{ids.request_id, ms, spec_.memory_mb, max_memory_mb(pid_),
                                      std::nullopt};
  if (init_ms_ && !init_reported_) report.init_duration_ms = init_ms_;
  init_reported_ = init_reported_ || init_ms_.has_value();
  lock.unlock();
  const std::string end = api_models::end_line(ids.request_id);
  const std::string report_line = api_models::report_line(report);
  say(end);
  say(report_line);
  r.log = api_models::start_line(ids.request_id) + "\n" + printed + end + "\n" + report_line + "\n";
  return r;
}

// Caller holds mutex_: the runtime's answer, or why there is none (the environment then dead).
InvokeResult RuntimeEnvironment::outcome(const InvocationIds& ids,
                                         const std::atomic<bool>& cancel) {
  if (result_) {
    InvokeResult r = std::move(*result_);
    result_.reset();
    return r;
  }
  dead_ = true;
  if (init_error_ || (exited_ && !init_ms_)) {
    return {
        InvokeResult::Outcome::FunctionError,
        init_error_ ? *init_error_ : function_error_json("Runtime.ExitError", "init failed"),
        "Runtime.InitError: " +
            (init_error_ ? *init_error_
                         : "the runtime exited before it asked for an invocation (exit status " +
                               std::to_string(exit_status_) + ")")};
  }
  if (exited_) {
    const std::string why = "RequestId: " + ids.request_id +
                            " Error: Runtime exited with error: exit status " +
                            std::to_string(exit_status_);
    return {InvokeResult::Outcome::FunctionError, function_error_json("Runtime.ExitError", why),
            "Runtime.ExitError: " + why};
  }
  // Cancelled: its answer would be for an invocation nobody waits on.
  if (cancel.load()) return {InvokeResult::Outcome::Cancelled, "", "cancelled"};
  char why[96];
  std::snprintf(why, sizeof why, "Task timed out after %.2f seconds",
                static_cast<double>(spec_.timeout.count()));
  return {InvokeResult::Outcome::FunctionError, function_error_json("Sandbox.Timedout", why), why};
}

void RuntimeEnvironment::accept_loop() {
  for (int accepted = 0; accepted < 100000; ++accepted) {  // bounded: a runtime keeps a few
    beast::error_code ec;
    tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    std::lock_guard lock(mutex_);
    if (ec || stopping_) return;
    fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
    connections_.push_back(socket.native_handle());
    connection_threads_.emplace_back([this, s = std::move(socket)]() mutable {
      name_this_thread("esm-runtime-api");
      serve(std::move(s));
    });
  }
}

void RuntimeEnvironment::serve(tcp::socket socket) {
  beast::flat_buffer buffer;
  for (int i = 0; i < 10000000; ++i) {  // bounded: one request per invocation and call
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    beast::error_code ec;
    http::read(socket, buffer, parser, ec);
    if (ec) break;
    auto req = parser.release();
    auto res = handle(req);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(socket, res, ec);
    if (ec || !req.keep_alive()) break;
  }
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  std::lock_guard lock(mutex_);
  std::erase(connections_, socket.native_handle());
}

http::response<http::string_body> RuntimeEnvironment::handle(
    const http::request<http::string_body>& req) {
  const std::string target(req.target());
  auto answer = [&](http::status status, std::string body) {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::content_type, "application/json");
    res.body() = std::move(body);
    return res;
  };
  if (target.rfind(kPrefix, 0) != 0)
    return answer(http::status::not_found,
                  function_error_json("InvalidURL", "no such Runtime API path"));
  const std::string path = target.substr(kPrefix.size());
  if (req.method() == http::verb::get && path == "invocation/next") return next(req.version());
  if (req.method() == http::verb::post && path == "init/error") {
    std::lock_guard lock(mutex_);
    init_error_ =
        req.body().empty() ? function_error_json("Runtime.Unknown", "init error") : req.body();
    cv_.notify_all();
    say("init error: " + *init_error_);
    return answer(http::status::accepted, R"({"status":"OK"})");
  }
  constexpr std::string_view kInvocation = "invocation/";
  if (req.method() == http::verb::post && path.rfind(kInvocation, 0) == 0) {
    const auto slash = path.find('/', kInvocation.size());
    const std::string id = path.substr(kInvocation.size(), slash - kInvocation.size());
    const std::string what = slash == std::string::npos ? "" : path.substr(slash + 1);
    if (what == "response" || what == "error") return complete(id, what == "response", req);
  }
  return answer(http::status::not_found,
                function_error_json("InvalidURL", "no such Runtime API path"));
}

// GET /next: waits for an invocation (as long as it takes; a runtime polls this between them).
http::response<http::string_body> RuntimeEnvironment::next(unsigned version) {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return stopping_ || (pending_ && current_.empty()); });
  http::response<http::string_body> res{http::status::ok, version};
  if (stopping_) {
    res.result(http::status::internal_server_error);
    res.body() = function_error_json("Runtime.Stopping", "the environment is shutting down");
    return res;
  }
  if (!init_ms_)
    init_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - spawned_).count();
  current_ = pending_->id;
  handed_ = Clock::now();
  res.set(http::field::content_type, "application/json");
  res.set("Lambda-Runtime-Aws-Request-Id", pending_->id);
  res.set("Lambda-Runtime-Deadline-Ms", std::to_string(pending_->deadline_ms));
  res.set("Lambda-Runtime-Invoked-Function-Arn",
          "arn:aws:lambda:" + spec_.region + ":" + spec_.account_id + ":function:" + spec_.name);
  res.set("Lambda-Runtime-Trace-Id", trace_id());
  res.body() = std::move(pending_->payload);
  pending_.reset();
  return res;
}

// POST /invocation/{id}/response or /error.
http::response<http::string_body> RuntimeEnvironment::complete(
    const std::string& id, bool ok, const http::request<http::string_body>& req) {
  http::response<http::string_body> res{http::status::accepted, req.version()};
  res.set(http::field::content_type, "application/json");
  std::lock_guard lock(mutex_);
  if (id.empty() || id != current_ || result_) {
    res.result(http::status::bad_request);
    res.body() = function_error_json("InvalidRequestID", "Invalid request ID: " + id);
    return res;
  }
  InvokeResult r;
  if (ok && req.body().size() > kMaxResponse) {
    res.result(http::status::payload_too_large);
    const std::string why = "Response payload size (" + std::to_string(req.body().size()) +
                            " bytes) exceeded maximum allowed payload size (6291456 bytes).";
    res.body() = function_error_json("RequestEntityTooLarge", why);
    r = {InvokeResult::Outcome::FunctionError,
         function_error_json("Function.ResponseSizeTooLarge", why), why};
  } else if (ok) {
    r = {InvokeResult::Outcome::Success, req.body(), ""};
    res.body() = R"({"status":"OK"})";
  } else {
    std::string type(req["Lambda-Runtime-Function-Error-Type"]);
    if (type.empty()) type = "Unhandled";
    r = {InvokeResult::Outcome::FunctionError, req.body(), "function error " + type};
    say("invocation " + id + " failed: " + type + ": " + req.body().substr(0, 1024));
    res.body() = R"({"status":"OK"})";
  }
  result_ = std::move(r);
  cv_.notify_all();
  return res;
}

void RuntimeEnvironment::read_output(OutputStream& stream) {
  for (;;) {  // ends at EOF: the process and its children closed the stream
    pollfd ready{stream.fd, POLLIN, 0};
    if (poll(&ready, 1, -1) < 0 && errno != EINTR) break;
    std::lock_guard lock(read_mutex_);
    consume(stream);
    if (stream.eof) break;
  }
  std::lock_guard lock(read_mutex_);
  if (!stream.partial.empty()) print(stream, stream.partial);
  stream.eof = true;  // drain_output() leaves it alone from here
  close(stream.fd);
}

// Caller holds read_mutex_: what the stream has now, line by line.
void RuntimeEnvironment::consume(OutputStream& stream) {
  char buf[4096];
  for (int reads = 0; reads < 256 && !stream.eof; ++reads) {  // more: the next poll
    const ssize_t n = read(stream.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      stream.eof = true;
      return;
    }
    stream.partial.append(buf, static_cast<std::size_t>(n));
    for (auto nl = stream.partial.find('\n'); nl != std::string::npos;
         nl = stream.partial.find('\n')) {
      print(stream, stream.partial.substr(0, nl));
      stream.partial.erase(0, nl + 1);
    }
    if (stream.partial.size() > 65536) stream.partial.clear();  // a line without end: dropped
  }
}

// What the runtime wrote before this call, read now (its readers may not have woken yet).
void RuntimeEnvironment::drain_output() {
  std::lock_guard lock(read_mutex_);
  for (auto& stream : streams_)
    if (!stream.eof) consume(stream);
}

// One line of the runtime's output: to the emulator's log, and to the invocation's own.
void RuntimeEnvironment::print(const OutputStream& stream, const std::string& line) {
  std::string id;
  {
    std::lock_guard lock(mutex_);
    id = current_;
    if (!id.empty()) {
      printed_ += line + "\n";
      if (printed_.size() > 16384) printed_.erase(0, printed_.size() - 8192);  // the tail counts
    }
  }
  say(std::string(stream.name) + (id.empty() ? "" : " [" + id + "]") + ": " + line);
}

void RuntimeEnvironment::wait_process() {
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  std::lock_guard lock(mutex_);
  exited_ = true;
  dead_ = true;
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  cv_.notify_all();
}

void RuntimeEnvironment::kill_process() {
  if (pid_ > 0) ::kill(-pid_, SIGKILL);
}

void RuntimeEnvironment::stop() {
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dead_ = true;
    cv_.notify_all();
    for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
  }
  kill_process();
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
  for (auto& t : threads_)
    if (t.joinable()) t.join();  // the acceptor first: no connection starts after this
  {
    std::lock_guard lock(mutex_);
    connections.swap(connection_threads_);
  }
  for (auto& t : connections)
    if (t.joinable()) t.join();
}

RuntimeHost::RuntimeHost(RuntimeSpec spec, api_models::Logger* log)
    : spec_(std::move(spec)), log_(log) {}

RuntimeHost::~RuntimeHost() {
  std::lock_guard lock(mutex_);
  idle_.clear();  // busy ones end with their invocations (they hold a reference)
}

std::size_t RuntimeHost::environments_for_test() {
  std::lock_guard lock(mutex_);
  return live_;
}

void RuntimeHost::reap_idle() {
  const auto now = Clock::now();
  std::erase_if(idle_, [&](const std::shared_ptr<RuntimeEnvironment>& e) {
    if (now - e->idle_since < spec_.idle_reap && e->usable()) return false;
    --live_;
    return true;
  });
}

std::shared_ptr<RuntimeEnvironment> RuntimeHost::acquire(const std::atomic<bool>& cancel,
                                                         std::string& failure) {
  std::unique_lock lock(mutex_);
  // Bounded by `cancel`: an invocation waits for an environment while all are busy.
  for (;;) {
    reap_idle();
    if (!idle_.empty()) {
      auto env = std::move(idle_.back());  // the warmest
      idle_.pop_back();
      return env;
    }
    if (live_ < static_cast<std::size_t>(spec_.concurrency)) break;
    if (cancel.load()) return nullptr;
    cv_.wait_for(lock, std::chrono::milliseconds(50));
  }
  ++live_;
  lock.unlock();
  auto env = std::make_shared<RuntimeEnvironment>(spec_, log_);
  if (auto why = env->start()) {
    failure = *why;
    lock.lock();
    --live_;
    cv_.notify_one();
    return nullptr;
  }
  return env;
}

void RuntimeHost::release(std::shared_ptr<RuntimeEnvironment> env) {
  std::lock_guard lock(mutex_);
  if (env->usable()) {
    env->idle_since = Clock::now();
    idle_.push_back(std::move(env));
  } else {
    --live_;  // replaced by a new one when next needed
  }
  cv_.notify_one();
}

InvokeResult RuntimeHost::invoke(const std::string& payload, const InvocationIds& ids,
                                 const std::atomic<bool>& cancel) {
  std::string failure;
  auto env = acquire(cancel, failure);
  if (!env) {
    if (cancel.load()) return {InvokeResult::Outcome::Cancelled, "", "cancelled"};
    return {InvokeResult::Outcome::ConnectionError, "", failure};
  }
  auto result = env->run(payload, ids, cancel);
  release(std::move(env));
  return result;
}

}  // namespace esm::engine
