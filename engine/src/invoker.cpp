#include "engine/invoker.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aws_client/http_client.hpp"
#include "runtime_host.hpp"

namespace esm::engine {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Idle keep-alive connections to HTTP functions, by host:port, shared by every runner of the
// FunctionInvoker that owns it: a batch goes out on a connection the previous one left open
// instead of a new one each time.
class ConnectionPool {
 public:
  ConnectionPool() = default;
  ~ConnectionPool() {
    for (auto& [key, list] : idle_) {
      for (const Idle& c : list) ::close(c.fd);
    }
  }
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  struct Idle {
    int fd;
    tcp protocol;
  };
  // An idle connection the peer has not closed, or nothing.
  std::optional<Idle> take(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = idle_.find(key);
    while (it != idle_.end() && !it->second.empty()) {
      Idle c = it->second.back();
      it->second.pop_back();
      pollfd pfd{c.fd, POLLIN | POLLRDHUP, 0};
      // Readable while idle means closed (or sending what nobody asked for): not reusable.
      if (poll(&pfd, 1, 0) == 0) return c;
      ::close(c.fd);
    }
    return std::nullopt;
  }
  void give(const std::string& key, Idle c) {
    fcntl(c.fd, F_SETFD, FD_CLOEXEC);  // not inherited by exec: functions' commands
    std::lock_guard lock(mutex_);
    auto& list = idle_[key];
    if (list.size() >= kMaxIdlePerEndpoint) {
      ::close(c.fd);
      return;
    }
    list.push_back(c);
  }

 private:
  static constexpr std::size_t kMaxIdlePerEndpoint = 32;
  std::mutex mutex_;
  std::map<std::string, std::vector<Idle>> idle_;
};

namespace {

constexpr auto kSlice = std::chrono::milliseconds(50);

struct Url {
  std::string host;
  std::string port;
  std::string target;                                          // path and query
  std::string authority() const { return host + ":" + port; }  // Host header, pool key
};

std::optional<Url> parse_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  const auto rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  Url u;
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty()) return std::nullopt;
  if (authority.front() == '[') {  // [::1]:port
    const auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    u.host = authority.substr(1, close - 1);
    u.port = close + 2 <= authority.size() ? authority.substr(close + 2) : "80";
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
    u.port = "80";
  }
  if (u.port.empty()) u.port = "80";
  return u;
}

std::string url_encode_path(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// A function's HTTP answer: 2xx without X-Amz-Function-Error is a success.
void set_answer(InvokeResult& result, unsigned status, std::string body,
                const std::string* function_error) {
  result.body = std::move(body);
  if (status >= 200 && status < 300 && function_error == nullptr) {
    result.outcome = InvokeResult::Outcome::Success;
    return;
  }
  result.outcome = InvokeResult::Outcome::FunctionError;
  result.detail = "HTTP " + std::to_string(status) +
                  (function_error ? " X-Amz-Function-Error: " + *function_error : "");
}

// The request's body is the caller's payload itself, not a copy (a batch's event is up to 6 MB).
using Request = http::request<http::span_body<const char>>;

struct Attempt {
  InvokeResult result;
  bool stale = false;  // a reused connection failed before any answer: worth a fresh one
};

// The invoking thread's event loop for kept-alive connections: set up once per thread, not per
// invocation (its epoll and timer descriptors cost more than a small event's exchange). Left
// with nothing pending after every exchange (see DrainOnExit).
net::io_context& kept_alive_context() {
  thread_local net::io_context ioc;
  return ioc;
}

// At the end of an exchange on the thread's loop: closes the stream (a cancelled or timed-out
// exchange leaves operations pending) and runs what that completes, while the exchange's locals
// the handlers write to still live.
class DrainOnExit {
 public:
  DrainOnExit(net::io_context* ioc, beast::tcp_stream& stream) : ioc_(ioc), stream_(stream) {}
  DrainOnExit(const DrainOnExit&) = delete;
  DrainOnExit& operator=(const DrainOnExit&) = delete;
  ~DrainOnExit() {
    if (ioc_ == nullptr) return;
    stream_.close();
    ioc_->restart();
    ioc_->poll();
    ioc_->restart();
  }

 private:
  net::io_context* ioc_;  // null: the exchange's own loop, destroyed with it
  beast::tcp_stream& stream_;
};

// What one HTTP exchange's handlers write to (they run on the exchange's loop, while it lives).
struct Exchange {
  explicit Exchange(beast::tcp_stream& s) : stream(s) { parser.body_limit(64 * 1024 * 1024); }
  beast::tcp_stream& stream;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  bool connected = false;
  bool done = false;
  beast::error_code failure;
};

void write_then_read(Exchange& x, const Request& req) {
  x.connected = true;
  http::async_write(x.stream, req, [&x](beast::error_code ec, std::size_t) {
    if (ec) {
      x.failure = ec;
      x.done = true;
      return;
    }
    http::async_read(x.stream, x.buffer, x.parser, [&x](beast::error_code ec2, std::size_t) {
      x.failure = ec2;
      x.done = true;
    });
  });
}

void connect_then_exchange(Exchange& x, tcp::resolver& resolver, const Url& url,
                           const Request& req) {
  resolver.async_resolve(
      url.host, url.port, [&x, &req](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) {
          x.failure = ec;
          x.done = true;
          return;
        }
        x.stream.async_connect(results, [&x, &req](beast::error_code ec2, const tcp::endpoint&) {
          if (ec2) {
            x.failure = ec2;
            x.done = true;
            return;
          }
          // Header and body go out in separate writes; without this, Nagle's algorithm and the
          // peer's delayed ACK hold the body back ~40 ms on every invocation.
          beast::error_code ignored;
          x.stream.socket().set_option(tcp::no_delay(true), ignored);
          write_then_read(x, req);
        });
      });
}

// Runs the exchange's loop until it is done (or has nothing left to do), is cancelled, or runs
// past `deadline`; false if cancelled.
bool run_to_end(net::io_context& ioc, const Exchange& x, const std::atomic<bool>& cancel,
                Clock::time_point deadline) {
  while (!x.done && !ioc.stopped()) {
    if (cancel.load()) return false;
    if (Clock::now() > deadline) break;
    ioc.run_for(kSlice);
  }
  return true;
}

// The function's answer, or why there is none; a connection the function keeps open goes back
// to the pool.
void read_outcome(Exchange& x, bool reused, ConnectionPool& pool, const Url& url,
                  std::chrono::seconds timeout, Attempt& attempt) {
  InvokeResult& result = attempt.result;
  const auto failed =
      x.connected ? InvokeResult::Outcome::FunctionError : InvokeResult::Outcome::ConnectionError;
  if (!x.done || x.failure == beast::error::timeout) {
    result.outcome = failed;
    result.detail = "Task timed out after " + std::to_string(timeout.count()) + " seconds";
    return;
  }
  if (x.failure) {
    attempt.stale = reused && !x.parser.got_some();
    result.outcome = failed;
    result.detail = x.failure.message();
    return;
  }
  auto& res = x.parser.get();
  if (x.parser.keep_alive()) {
    beast::error_code ec;
    const tcp protocol = x.stream.socket().local_endpoint(ec).protocol();
    if (!ec) pool.give(url.authority(), {x.stream.socket().release(ec), protocol});
  }
  const auto found = res.find("X-Amz-Function-Error");
  const std::string function_error = found == res.end() ? "" : std::string(found->value());
  set_answer(result, res.result_int(), std::move(res.body()),
             found == res.end() ? nullptr : &function_error);
}

Attempt http_post_once(ConnectionPool& pool, const Url& url, const Request& req,
                       std::chrono::seconds timeout, const std::atomic<bool>& cancel,
                       std::optional<ConnectionPool::Idle> reuse) {
  Attempt attempt;
  // A new connection resolves and connects on a loop of its own (a cancelled resolve is not
  // waited for); a kept-alive one goes on the thread's.
  std::optional<net::io_context> own;
  net::io_context& ioc = reuse ? kept_alive_context() : own.emplace();
  ioc.restart();
  beast::tcp_stream stream(ioc);
  tcp::resolver resolver(ioc);
  Exchange x(stream);
  const DrainOnExit drain(reuse ? &ioc : nullptr, stream);  // before x's handlers' state goes
  stream.expires_after(timeout);
  if (reuse) {
    beast::error_code ec;
    stream.socket().assign(reuse->protocol, reuse->fd, ec);
    if (ec) {
      ::close(reuse->fd);
      attempt.stale = true;
      attempt.result.outcome = InvokeResult::Outcome::ConnectionError;
      attempt.result.detail = ec.message();
      return attempt;
    }
    write_then_read(x, req);
  } else {
    connect_then_exchange(x, resolver, url, req);
  }
  if (!run_to_end(ioc, x, cancel, Clock::now() + timeout + std::chrono::seconds(1))) {
    attempt.result.outcome = InvokeResult::Outcome::Cancelled;
    attempt.result.detail = "cancelled";
    return attempt;
  }
  read_outcome(x, reuse.has_value(), pool, url, timeout, attempt);
  return attempt;
}

InvokeResult http_post(ConnectionPool& pool, const Url& url, const std::string& payload,
                       const InvocationIds& ids, std::chrono::seconds timeout,
                       const std::atomic<bool>& cancel, bool lambda_api) {
  Request req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.authority());
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "esm-emulator");
  req.set("X-Esm-Mapping-Uuid", ids.mapping_uuid);
  req.set("X-Esm-Request-Id", ids.request_id);
  if (lambda_api) req.set("X-Amz-Invocation-Type", "RequestResponse");
  req.body() = {payload.data(), payload.size()};
  req.prepare_payload();
  // A kept-alive connection the function's server closed meanwhile fails before any answer: the
  // request goes again on a new connection (bounded: the pool holds few, then a new one).
  for (int reused = 0; reused < 4; ++reused) {
    auto idle = pool.take(url.authority());
    if (!idle) break;
    Attempt a = http_post_once(pool, url, req, timeout, cancel, idle);
    if (!a.stale) return std::move(a.result);
  }
  return http_post_once(pool, url, req, timeout, cancel, std::nullopt).result;
}

// An https:// function: one TLS connection per invocation (not pooled), the certificate verified
// against the target's CA file or the system's trust store.
InvokeResult https_post(const FunctionTarget& target, const std::string& payload,
                        const InvocationIds& ids, const std::atomic<bool>& cancel) {
  auto parsed = aws::parse_http_endpoint(target.location);
  if (auto* why = std::get_if<std::string>(&parsed))
    return {InvokeResult::Outcome::ConnectionError, "", *why};
  auto endpoint = std::get<aws::HttpEndpoint>(std::move(parsed));
  endpoint.ca_file = target.ca_file;
  // The path and query exactly as declared (path_prefix drops trailing slashes).
  const auto slash = target.location.find('/', std::string_view("https://").size());
  const std::string request_target =
      slash == std::string::npos ? "/" : target.location.substr(slash);
  const std::map<std::string, std::string> headers = {{"host", endpoint.host_header()},
                                                      {"content-type", "application/json"},
                                                      {"user-agent", "esm-emulator"},
                                                      {"x-esm-mapping-uuid", ids.mapping_uuid},
                                                      {"x-esm-request-id", ids.request_id}};
  auto got = aws::http_exchange(
      endpoint, "POST", request_target, headers, payload,
      std::chrono::duration_cast<std::chrono::milliseconds>(target.timeout), &cancel);
  InvokeResult result;
  if (auto* failure = std::get_if<aws::HttpFailure>(&got)) {
    if (cancel.load()) return {InvokeResult::Outcome::Cancelled, "", "cancelled"};
    result.outcome = failure->sent ? InvokeResult::Outcome::FunctionError
                                   : InvokeResult::Outcome::ConnectionError;
    result.detail =
        failure->sent && failure->timed_out
            ? "Task timed out after " + std::to_string(target.timeout.count()) + " seconds"
            : failure->message;
    result.tls_failure = failure->tls;
    return result;
  }
  auto& reply = std::get<aws::HttpReply>(got);
  const auto function_error = reply.headers.find("x-amz-function-error");
  set_answer(result, static_cast<unsigned>(reply.status), std::move(reply.body),
             function_error == reply.headers.end() ? nullptr : &function_error->second);
  return result;
}

// The process environment, the operator's variables and the invocation's ids, built before fork
// (the child may only call async-signal-safe functions).
class CommandEnvironment {
 public:
  CommandEnvironment(const InvocationIds& ids, const std::map<std::string, std::string>& env) {
    for (char** e = environ; e && *e; ++e) {
      const std::string_view entry(*e);
      const auto key = std::string(entry.substr(0, entry.find('=')));
      if (key != "ESM_MAPPING_UUID" && key != "ESM_REQUEST_ID" && !env.contains(key))
        entries_.emplace_back(entry);
    }
    for (const auto& [k, v] : env) entries_.push_back(k + "=" + v);
    entries_.push_back("ESM_MAPPING_UUID=" + ids.mapping_uuid);
    entries_.push_back("ESM_REQUEST_ID=" + ids.request_id);
    for (auto& entry : entries_) pointers_.push_back(entry.data());
    pointers_.push_back(nullptr);
  }
  char* const* envp() { return pointers_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
};

// A command started for one invocation: its process group and our ends of its stdin, stdout and
// stderr (-1 once closed).
struct Child {
  pid_t pid = -1;
  int in_fd = -1;
  int out_fd = -1;
  int err_fd = -1;
};

// COMMAND under /bin/sh -c in a process group of its own, or why it could not start.
std::variant<Child, std::string> spawn_command(const std::string& command,
                                               CommandEnvironment& environment) {
  int in_pipe[2];
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return std::string("pipe failed");
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return std::string("pipe failed");
  }
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    setpgid(0, 0);
    execle("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr), environment.envp());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    return std::string("fork failed: ") + std::strerror(errno);
  }
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  return Child{pid, in_pipe[1], out_pipe[0], err_pipe[0]};
}

// A command that exits without reading stdin makes our write fail with EPIPE; the SIGPIPE that
// comes with it must not end the process: blocked on this thread while the guard lives, and
// discarded when it goes.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_signal_);
    sigaddset(&pipe_signal_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal_, &previous_mask_);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;
  ~SigpipeBlocked() {
    const timespec no_wait{0, 0};
    while (sigtimedwait(&pipe_signal_, nullptr, &no_wait) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
  }

 private:
  sigset_t pipe_signal_;
  sigset_t previous_mask_;
};

// What the command said: stdout, the last 64 KiB of stderr, and whether it was cut short.
struct CommandOutput {
  std::string out;
  std::string err;
  bool timed_out = false;
  bool cancelled = false;
};

// Writes the payload to the child's stdin while reading its stdout and stderr, until both close,
// the deadline passes or the invocation is cancelled. Closes what it opened of `child`'s pipes.
CommandOutput exchange_with(Child& child, const std::string& payload, Clock::time_point deadline,
                            const std::atomic<bool>& cancel) {
  CommandOutput output;
  std::size_t written = 0;
  while (child.out_fd >= 0 || child.err_fd >= 0) {
    if (cancel.load()) {
      output.cancelled = true;
      break;
    }
    if (Clock::now() > deadline) {
      output.timed_out = true;
      break;
    }
    pollfd fds[3];
    int n = 0;
    if (child.in_fd >= 0) fds[n++] = {child.in_fd, POLLOUT, 0};
    if (child.out_fd >= 0) fds[n++] = {child.out_fd, POLLIN, 0};
    if (child.err_fd >= 0) fds[n++] = {child.err_fd, POLLIN, 0};
    if (poll(fds, static_cast<nfds_t>(n), 50) < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == child.in_fd) {
        const ssize_t w = write(child.in_fd, payload.data() + written, payload.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if (w < 0 && errno != EAGAIN) written = payload.size();
        if (written >= payload.size()) {
          close(child.in_fd);
          child.in_fd = -1;
        }
        continue;
      }
      char buf[65536];
      const ssize_t r = read(fds[i].fd, buf, sizeof buf);
      const bool is_out = fds[i].fd == child.out_fd;
      if (r > 0) {
        (is_out ? output.out : output.err).append(buf, static_cast<std::size_t>(r));
        if (output.err.size() > 65536) output.err.erase(0, output.err.size() - 65536);
      } else if (r == 0 || errno != EAGAIN) {
        close(fds[i].fd);
        (is_out ? child.out_fd : child.err_fd) = -1;
      }
    }
  }
  for (int* fd : {&child.in_fd, &child.out_fd, &child.err_fd}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  while (!output.err.empty() && (output.err.back() == '\n' || output.err.back() == '\r'))
    output.err.pop_back();
  return output;
}

// Runs COMMAND under /bin/sh -c with the payload on stdin; stdout is the response, exit status 0
// a success.
InvokeResult run_command(const FunctionTarget& target, const std::string& payload,
                         const InvocationIds& ids, const std::atomic<bool>& cancel) {
  CommandEnvironment environment(ids, target.env);
  auto started = spawn_command(target.location, environment);
  if (auto* why = std::get_if<std::string>(&started)) {
    return {InvokeResult::Outcome::ConnectionError, "", *why};
  }
  Child& child = std::get<Child>(started);
  CommandOutput output;
  {
    const SigpipeBlocked sigpipe;
    output = exchange_with(child, payload, Clock::now() + target.timeout, cancel);
  }
  if (output.timed_out || output.cancelled) kill(-child.pid, SIGKILL);
  int status = 0;
  while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (output.cancelled) return {InvokeResult::Outcome::Cancelled, "", "cancelled"};
  if (output.timed_out) {
    return {InvokeResult::Outcome::FunctionError, "",
            "Task timed out after " + std::to_string(target.timeout.count()) + " seconds"};
  }
  InvokeResult result;
  result.body = std::move(output.out);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    result.outcome = InvokeResult::Outcome::Success;
    result.detail = std::move(output.err);
    return result;
  }
  result.outcome = InvokeResult::Outcome::FunctionError;
  result.detail = (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                     : "killed by signal " + std::to_string(WTERMSIG(status))) +
                  (output.err.empty() ? "" : ": " + output.err);
  return result;
}

}  // namespace

FunctionInvoker::FunctionInvoker(RuntimeContext runtime)
    : pool_(std::make_unique<ConnectionPool>()), runtime_(std::move(runtime)) {}
FunctionInvoker::~FunctionInvoker() = default;

// The function's environments, started with its first invocation.
RuntimeHost& FunctionInvoker::runtime_host(const FunctionTarget& target) {
  std::lock_guard lock(runtimes_mutex_);
  auto& host = runtimes_[target.name];
  if (!host) {
    RuntimeSpec spec;
    spec.name = target.name;
    spec.command = target.location;
    spec.handler = target.handler;
    spec.env = target.env;
    spec.region = runtime_.region;
    spec.account_id = runtime_.account_id;
    spec.memory_mb = target.memory_mb;
    spec.concurrency = target.concurrency;
    spec.timeout = target.timeout;
    host = std::make_unique<RuntimeHost>(std::move(spec), runtime_.log);
  }
  return *host;
}

InvokeResult FunctionInvoker::invoke(const FunctionTarget& target, const std::string& payload,
                                     const InvocationIds& ids, const std::atomic<bool>& cancel) {
  switch (target.kind) {
    case FunctionTarget::Kind::Exec:
      return run_command(target, payload, ids, cancel);
    case FunctionTarget::Kind::Runtime:
      return runtime_host(target).invoke(payload, ids, cancel);
    case FunctionTarget::Kind::Http: {
      if (target.location.rfind("https://", 0) == 0)
        return https_post(target, payload, ids, cancel);
      auto url = parse_url(target.location);
      if (!url)
        return {InvokeResult::Outcome::ConnectionError, "", "unsupported URL " + target.location};
      return http_post(*pool_, *url, payload, ids, target.timeout, cancel, false);
    }
    case FunctionTarget::Kind::LambdaApi: {
      std::string base = target.location;
      while (!base.empty() && base.back() == '/') base.pop_back();
      auto url = parse_url(
          base + "/2015-03-31/functions/" + url_encode_path(target.name) + "/invocations" +
          (target.qualifier ? "?Qualifier=" + url_encode_path(*target.qualifier) : ""));
      if (!url)
        return {InvokeResult::Outcome::ConnectionError, "", "unsupported URL " + target.location};
      return http_post(*pool_, *url, payload, ids, target.timeout, cancel, true);
    }
  }
  return {};
}

}  // namespace esm::engine
