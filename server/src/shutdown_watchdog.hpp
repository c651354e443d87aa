#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace esm::server {

// Bounds the time from SIGTERM to exit. run() names each teardown stage as it enters it; when
// one stage takes longer than its allowance the watchdog calls `give_up` with the stage's name
// (the process then exits at once instead of waiting to be SIGKILLed). Stages whose state is
// memory only (the embedded cluster) are the only ones after which exiting early loses nothing.
//
// Threads: stage()/disarm() from run()'s thread; the watchdog's own thread waits and gives up.
class ShutdownWatchdog {
 public:
  using GiveUp = std::function<void(const std::string& stage, std::chrono::milliseconds waited)>;

  explicit ShutdownWatchdog(GiveUp give_up);
  ~ShutdownWatchdog();  // disarms and joins
  ShutdownWatchdog(const ShutdownWatchdog&) = delete;
  ShutdownWatchdog& operator=(const ShutdownWatchdog&) = delete;

  // Enters `name`, which must end within `allowance` (the clock restarts per stage).
  void stage(std::string name, std::chrono::milliseconds allowance);
  void disarm();

 private:
  void watch();

  GiveUp give_up_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string stage_;                            // guarded by mutex_; empty = not armed
  std::chrono::steady_clock::time_point until_;  // guarded by mutex_
  std::chrono::milliseconds allowance_{0};       // guarded by mutex_
  bool done_ = false;                            // guarded by mutex_
  std::thread thread_;
};

}  // namespace esm::server
