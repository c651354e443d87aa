#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace esm::testing {

// A tiny HTTP/1.1 function endpoint on 127.0.0.1 for tests: records each request body and
// answers with what `respond` says. One connection at a time, Connection: close (unless
// keep_alive() says otherwise).
class TestHttpServer {
 public:
  struct Reply {
    int status = 200;
    std::string body = "{}";
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds delay{0};
  };
  using Responder = std::function<Reply(const std::string& target, const std::string& body)>;

  explicit TestHttpServer(Responder respond = nullptr, int port = 0)
      : respond_(std::move(respond)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TestHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }
  // Serve up to `requests` requests on each connection, as HTTP/1.1 keep-alive, then close it
  // without a word (as servers do with idle connections); with `drop_next`, only once the next
  // request has come, unanswered. 0: Connection: close on each.
  void keep_alive(int requests, bool drop_next = false) {
    keep_alive_for_ = requests;
    drop_next_ = drop_next;
  }
  int connections() const { return connections_.load(); }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::vector<std::string> targets() {
    std::lock_guard lock(mutex_);
    return targets_;
  }
  std::vector<std::string> raw_heads() {
    std::lock_guard lock(mutex_);
    return heads_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_;
      const int serve_for = std::max(keep_alive_for_.load(), 1);
      for (int i = 0; i < serve_for && handle(c, keep_alive_for_.load() > 0); ++i) {
      }
      if (drop_next_) {
        pollfd next{c, POLLIN, 0};
        ::poll(&next, 1, 2000);
      }
      ::close(c);
    }
  }
  // One request on connection c; false if none came.
  bool handle(int c, bool keep_alive) {
    std::string data;
    char buf[65536];
    std::size_t header_end = std::string::npos;
    std::size_t need = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline && !stop_) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return false;
      data.append(buf, static_cast<std::size_t>(n));
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end == std::string::npos) continue;
        std::string lower = data.substr(0, header_end);
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        const auto cl = lower.find("content-length:");
        need = cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15));
      }
      if (data.size() >= header_end + 4 + need) break;
    }
    if (header_end == std::string::npos) return false;
    const std::string head = data.substr(0, header_end);
    const std::string target =
        head.substr(head.find(' ') + 1, head.find(' ', head.find(' ') + 1) - head.find(' ') - 1);
    const std::string body = data.substr(header_end + 4, need);
    Reply reply = respond_ ? respond_(target, body) : Reply{};
    {
      std::lock_guard lock(mutex_);
      bodies_.push_back(body);
      targets_.push_back(target);
      heads_.push_back(head);
    }
    const auto until = std::chrono::steady_clock::now() + reply.delay;
    while (std::chrono::steady_clock::now() < until && !stop_)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                      " X\r\nContent-Length: " + std::to_string(reply.body.size()) +
                      (keep_alive ? "\r\n" : "\r\nConnection: close\r\n");
    for (const auto& [k, v] : reply.headers) out += k + ": " + v + "\r\n";
    out += "\r\n" + reply.body;
    (void)::send(c, out.data(), out.size(), MSG_NOSIGNAL);
    return true;
  }

  Responder respond_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> keep_alive_for_{0};
  std::atomic<int> connections_{0};
  std::atomic<bool> drop_next_{false};
  std::mutex mutex_;
  std::vector<std::string> bodies_;   // guarded by mutex_
  std::vector<std::string> targets_;  // guarded by mutex_
  std::vector<std::string> heads_;    // guarded by mutex_
  std::thread thread_;
};

}  // namespace esm::testing
