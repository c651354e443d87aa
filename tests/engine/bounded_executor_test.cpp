#include "engine/bounded_executor.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
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
