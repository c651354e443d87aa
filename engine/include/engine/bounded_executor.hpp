#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace esm::engine {

// Runs tasks on at most `max_threads` worker threads, started as tasks come and ended after
// `idle_exit` without work (an idle mapping keeps none), each named `thread_name` (see
// name_this_thread). Tasks beyond the workers wait in order. submit() from any thread; the
// destructor runs what was submitted and joins every worker.
class BoundedExecutor {
 public:
  BoundedExecutor(std::size_t max_threads, std::chrono::milliseconds idle_exit,
                  const char* thread_name = "esm-worker");
  ~BoundedExecutor();
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  void submit(std::function<void()> task);
  std::size_t threads_for_test();

 private:
  void work();
  void join_exited();  // with mutex_ held

  const std::size_t max_threads_;
  const std::chrono::milliseconds idle_exit_;
  const char* const thread_name_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mutex_
  std::vector<std::thread> threads_;         // guarded by mutex_
  std::vector<std::thread::id> exited_;      // guarded by mutex_: done, not joined yet
  std::size_t idle_ = 0;                     // guarded by mutex_: workers waiting for a task
  bool stopping_ = false;                    // guarded by mutex_
};

}  // namespace esm::engine
