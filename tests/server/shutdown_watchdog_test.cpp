#include "shutdown_watchdog.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <thread>

using esm::server::ShutdownWatchdog;
using namespace std::chrono_literals;

namespace {

struct Recorder {
  std::mutex mutex;
  std::string stage;
  std::atomic<int> calls{0};
  ShutdownWatchdog::GiveUp callback() {
    return [this](const std::string& s, std::chrono::milliseconds) {
      std::lock_guard lock(mutex);
      stage = s;
      ++calls;
    };
  }
};

bool wait_for_call(Recorder& r) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (r.calls == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  return r.calls > 0;
}

}  // namespace

TEST_CASE("a stage that outlives its allowance is given up on by name, once", "[watchdog]") {
  Recorder r;
  ShutdownWatchdog watchdog(r.callback());
  watchdog.stage("engine", 10s);
  watchdog.stage("embedded Kafka", 20ms);
  REQUIRE(wait_for_call(r));
  std::lock_guard lock(r.mutex);
  CHECK(r.stage == "embedded Kafka");
  CHECK(r.calls == 1);
}

TEST_CASE("stages that end in time and a disarmed watchdog never give up", "[watchdog]") {
  Recorder r;
  {
    ShutdownWatchdog watchdog(r.callback());
    watchdog.stage("HTTP threads", 10s);
    watchdog.stage("engine", 10s);
    watchdog.disarm();
  }  // joins: a give-up pending on either stage would have run by now
  CHECK(r.calls == 0);
}
