#pragma once

#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

namespace esm::api_models {

enum class LogLevel { Debug, Info, Warn, Error };

// Writes one line per event to a stream, as text or as one JSON object a line. Owned by run();
// every module gets it by reference. Any thread may call it. Lines about a mapping carry its UUID.
class Logger {
 public:
  Logger(std::ostream& out, LogLevel level, bool json) : out_(out), level_(level), json_(json) {}
  bool enabled(LogLevel level) const { return level >= level_; }
  void log(LogLevel level, std::string_view uuid, std::string_view message);
  void debug(std::string_view uuid, std::string_view message) {
    log(LogLevel::Debug, uuid, message);
  }
  void info(std::string_view uuid, std::string_view message) { log(LogLevel::Info, uuid, message); }
  void warn(std::string_view uuid, std::string_view message) { log(LogLevel::Warn, uuid, message); }
  void error(std::string_view uuid, std::string_view message) {
    log(LogLevel::Error, uuid, message);
  }

 private:
  std::mutex mutex_;
  std::ostream& out_;  // guarded by mutex_
  const LogLevel level_;
  const bool json_;
};

}  // namespace esm::api_models
