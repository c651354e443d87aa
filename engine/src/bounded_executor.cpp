#include "engine/bounded_executor.hpp"

#include <algorithm>

#include "engine/thread_name.hpp"

namespace esm::engine {

BoundedExecutor::BoundedExecutor(std::size_t max_threads, std::chrono::milliseconds idle_exit,
                                 const char* thread_name)
    : max_threads_(std::max<std::size_t>(max_threads, 1)),
      idle_exit_(idle_exit),
      thread_name_(thread_name) {}

BoundedExecutor::~BoundedExecutor() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
}

void BoundedExecutor::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    join_exited();
    tasks_.push_back(std::move(task));
    if (idle_ < tasks_.size() && threads_.size() < max_threads_) {
      threads_.emplace_back([this] { work(); });
      return;
    }
  }
  cv_.notify_one();  // unlocked: the woken worker does not wait for this thread to release it
}

std::size_t BoundedExecutor::threads_for_test() {
  std::lock_guard lock(mutex_);
  join_exited();
  return threads_.size();
}

void BoundedExecutor::join_exited() {
  for (const auto id : exited_) {
    auto it = std::find_if(threads_.begin(), threads_.end(),
                           [&](const std::thread& t) { return t.get_id() == id; });
    if (it == threads_.end()) continue;
    it->join();  // it has left work(): only its return is left
    threads_.erase(it);
  }
  exited_.clear();
}

void BoundedExecutor::work() {
  name_this_thread(thread_name_);
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    const bool woken =
        cv_.wait_for(lock, idle_exit_, [this] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (tasks_.empty()) {
      if (stopping_ || !woken) {
        if (!stopping_) exited_.push_back(std::this_thread::get_id());
        return;
      }
      continue;
    }
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace esm::engine
