// A compiled function for scripts/bench: an HTTP/1.1 server on loopback (keep-alive, a thread
// per connection) that takes the emulator's Kafka events and does nearly nothing per record, so
// that what the benchmark measures is the emulator, not its function.
//   esm-function-sink                      acknowledges every event ("200", empty body)
//   esm-function-sink --fail-mod M R       ReportBatchItemFailures: reports the first record of
//                                          each "topic-N" group whose offset is R mod M and that
//                                          it has not failed before, as failed (a function that
//                                          stops at its first failure, keeping the order)
//   esm-function-sink --fail-mod M R --report-all
//                                          reports every such record of the event, as a function
//                                          that processes all records and lists those that failed
//                                          does (AWS Lambda Powertools' batch processor)
// Prints "listening on PORT" once it accepts connections. GET /stats answers
//   {"records": N, "done": D, "failed": F, "last_ack_ns": T}
// records: records received (resent ones again); done: per partition, the records before the
// lowest offset it reported (or all of them), summed; failed: records reported failed;
// last_ack_ns: CLOCK_MONOTONIC of the last answer (Python's time.monotonic_ns on Linux).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

struct FailRule {
  std::int64_t mod = 0;  // 0: never fail
  std::int64_t rem = 0;
  bool report_all = false;  // every failing record of a group, not only the first
};

struct Stats {
  std::mutex mutex;
  std::uint64_t records = 0;
  std::map<std::string, std::int64_t> done_up_to;  // "topic-N" -> first offset not done
  std::set<std::pair<std::string, std::int64_t>> failed_once;
  std::int64_t last_ack_ns = 0;
};

Stats stats;
FailRule rule;

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

std::int64_t number_after(std::string_view body, std::size_t at) {
  return std::strtoll(body.data() + at, nullptr, 10);
}

// One record as the sink reads it from the event: its topic (a view into the event), partition
// and offset.
struct SeenRecord {
  std::string_view topic;
  std::int64_t partition = 0;
  std::int64_t offset = 0;
  bool same_group(const SeenRecord& o) const {
    return partition == o.partition && topic == o.topic;
  }
  std::string key() const { return std::string(topic) + "-" + std::to_string(partition); }
};

// The records of an event, in order, by their "topic", "partition" and "offset" members (the
// emulator writes them in that order; values are base64, so these names cannot occur inside one).
std::vector<SeenRecord> records_of(std::string_view body) {
  std::vector<SeenRecord> out;
  constexpr std::string_view kTopic = "\"topic\":\"";
  constexpr std::string_view kPartition = "\"partition\":";
  constexpr std::string_view kOffset = "\"offset\":";
  std::size_t at = 0;
  while ((at = body.find(kTopic, at)) != std::string_view::npos) {
    const std::size_t name = at + kTopic.size();
    const std::size_t name_end = body.find('"', name);
    const std::size_t p = body.find(kPartition, name_end);
    const std::size_t o = body.find(kOffset, name_end);
    if (name_end == std::string_view::npos || p == std::string_view::npos ||
        o == std::string_view::npos) {
      break;
    }
    out.push_back({body.substr(name, name_end - name), number_after(body, p + kPartition.size()),
                   number_after(body, o + kOffset.size())});
    at = o;
  }
  return out;
}

// Counts the event and returns the batchItemFailures answer (empty when nothing failed).
std::string handle_event(std::string_view body) {
  const std::vector<SeenRecord> records = records_of(body);
  std::string failures;
  const std::lock_guard lock(stats.mutex);
  stats.records += records.size();
  for (std::size_t i = 0; i < records.size();) {
    std::size_t end = i;
    while (end < records.size() && records[end].same_group(records[i])) ++end;
    const std::string key = records[i].key();
    std::int64_t done = records[end - 1].offset + 1;
    for (std::size_t j = i; j < end && rule.mod > 0; ++j) {
      const std::int64_t o = records[j].offset;
      if (o % rule.mod == rule.rem && stats.failed_once.emplace(key, o).second) {
        failures += std::string(failures.empty() ? "" : ",") +
                    "{\"itemIdentifier\":{\"partition\":\"" + key +
                    "\",\"offset\":" + std::to_string(o) + "}}";
        done = std::min(done, o);
        if (!rule.report_all) break;
      }
    }
    std::int64_t& up_to = stats.done_up_to[key];
    up_to = std::max(up_to, done);
    i = end;
  }
  stats.last_ack_ns = monotonic_ns();
  return failures.empty() ? std::string() : "{\"batchItemFailures\":[" + failures + "]}";
}

std::string stats_json() {
  const std::lock_guard lock(stats.mutex);
  std::int64_t done = 0;
  for (const auto& [key, up_to] : stats.done_up_to) done += up_to;
  return "{\"records\":" + std::to_string(stats.records) + ",\"done\":" + std::to_string(done) +
         ",\"failed\":" + std::to_string(stats.failed_once.size()) +
         ",\"last_ack_ns\":" + std::to_string(stats.last_ack_ns) + "}";
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::size_t content_length(std::string_view head) {
  for (std::size_t at = head.find("\r\n"); at != std::string_view::npos;
       at = head.find("\r\n", at + 2)) {
    constexpr std::string_view kName = "content-length:";
    if (head.size() - (at + 2) < kName.size()) break;
    bool same = true;
    for (std::size_t i = 0; i < kName.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(head[at + 2 + i])) == kName[i];
    }
    if (same) return std::strtoull(head.data() + at + 2 + kName.size(), nullptr, 10);
  }
  return 0;
}

// Serves one connection's requests until the peer closes it.
void serve(int fd) {
  std::string in;
  std::vector<char> chunk(1 << 16);
  for (;;) {
    std::size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
      if (n <= 0) return ::close(fd), void();
      in.append(chunk.data(), static_cast<std::size_t>(n));
    }
    // Read from the head before the body comes: appending to `in` may move it.
    const std::string_view head(in.data(), head_end);
    const std::size_t length = content_length(head);
    const bool is_stats = head.starts_with("GET /stats");
    const std::size_t total = head_end + 4 + length;
    while (in.size() < total) {
      const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
      if (n <= 0) return ::close(fd), void();
      in.append(chunk.data(), static_cast<std::size_t>(n));
    }
    const std::string body =
        is_stats ? stats_json() : handle_event(std::string_view(in).substr(head_end + 4, length));
    const std::string answer =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    in.erase(0, total);
    if (!send_all(fd, answer)) return ::close(fd), void();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool all = argc == 5 && std::string_view(argv[4]) == "--report-all";
  if ((argc == 4 || all) && std::string_view(argv[1]) == "--fail-mod") {
    rule = {std::atoll(argv[2]), std::atoll(argv[3]), all};
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: esm-function-sink [--fail-mod M R [--report-all]]\n");
    return 2;
  }
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 64) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("esm-function-sink");
    return 1;
  }
  std::printf("listening on %d\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  for (;;) {
    const int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0 && errno == EINTR) continue;
    if (fd < 0) {
      std::perror("esm-function-sink: accept");
      return 1;
    }
    std::thread(serve, fd).detach();
  }
}
