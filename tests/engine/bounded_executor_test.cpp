#include "engine/bounded_executor.hpp"

#include <pthread.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

using esm::engine::BoundedExecutor;
using namespace std::chrono_literals;

namespace {
// Waits for `condition`, up to five seconds; its last answer.
template <typename F>
bool within_5s(F condition) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}
}  // namespace

TEST_CASE("executor: never more workers than its bound, every task runs", "[engine][executor]") {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  std::atomic<int> done{0};
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  {
    BoundedExecutor executor(3, 10s);
    for (int i = 0; i < 10; ++i) {
      executor.submit([&] {
        const int now = ++running;
        for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
        }
        std::unique_lock lock(m);
        cv.wait_for(lock, 5s, [&] { return release; });
        --running;
        ++done;
      });
    }
    CHECK(within_5s([&] { return running.load() == 3; }));
    CHECK(executor.threads_for_test() == 3);
    {
      std::lock_guard lock(m);
      release = true;
    }
    cv.notify_all();
    CHECK(within_5s([&] { return done.load() == 10; }));
  }
  CHECK(most.load() == 3);
}

TEST_CASE("executor: idle workers end, and the destructor runs what was submitted",
          "[engine][executor]") {
  std::atomic<int> done{0};
  {
    BoundedExecutor executor(2, 50ms);
    executor.submit([&] { ++done; });
    executor.submit([&] { ++done; });
    CHECK(within_5s([&] { return done.load() == 2 && executor.threads_for_test() == 0; }));
    for (int i = 0; i < 20; ++i) executor.submit([&] { ++done; });
  }
  CHECK(done.load() == 22);
}

TEST_CASE("executor: its workers carry the name it was given, cut to 15 characters",
          "[engine][executor]") {
  std::mutex m;
  std::string seen_short;
  std::string seen_long;
  {
    BoundedExecutor named(1, 10s, "esm-decode");
    BoundedExecutor long_named(1, 10s, "esm-a-name-longer-than-fifteen");
    const auto record = [&m](std::string& into) {
      return [&m, &into] {
        char name[16] = {};
        pthread_getname_np(pthread_self(), name, sizeof name);
        std::lock_guard lock(m);
        into = name;
      };
    };
    named.submit(record(seen_short));
    long_named.submit(record(seen_long));
  }  // both joined: their tasks ran
  CHECK(seen_short == "esm-decode");
  CHECK(seen_long == "esm-a-name-long");
}
