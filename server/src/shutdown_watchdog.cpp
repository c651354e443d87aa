#include "shutdown_watchdog.hpp"

namespace esm::server {

ShutdownWatchdog::ShutdownWatchdog(GiveUp give_up)
    : give_up_(std::move(give_up)), thread_([this] { watch(); }) {}

ShutdownWatchdog::~ShutdownWatchdog() {
  disarm();
  thread_.join();
}

void ShutdownWatchdog::stage(std::string name, std::chrono::milliseconds allowance) {
  std::lock_guard lock(mutex_);
  stage_ = std::move(name);
  allowance_ = allowance;
  until_ = std::chrono::steady_clock::now() + allowance;
  changed_.notify_all();
}

void ShutdownWatchdog::disarm() {
  std::lock_guard lock(mutex_);
  done_ = true;
  changed_.notify_all();
}

void ShutdownWatchdog::watch() {
  std::unique_lock lock(mutex_);
  while (!done_) {
    if (stage_.empty()) {
      changed_.wait(lock);
      continue;
    }
    const auto until = until_;
    if (changed_.wait_until(lock, until) == std::cv_status::timeout && !done_ && until_ == until) {
      const std::string stage = stage_;
      const auto waited = allowance_;
      stage_.clear();  // gives up once per stage
      lock.unlock();
      give_up_(stage, waited);
      lock.lock();
    }
  }
}

}  // namespace esm::server
