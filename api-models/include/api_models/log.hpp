#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
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
  // Whether a line about mapping `uuid` at `level` is written: the mapping's own level
  // (LoggingConfig.SystemLogLevel) when it has one, else the process's.
  bool enabled(LogLevel level, std::string_view uuid) const;
  // Sets (or, with none, clears) a mapping's own level. Any thread.
  void set_mapping_level(const std::string& uuid, std::optional<LogLevel> level);
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
  mutable std::mutex levels_mutex_;
  std::map<std::string, LogLevel, std::less<>> mapping_levels_;  // guarded by levels_mutex_
  std::atomic<bool> any_mapping_level_{false};
  const LogLevel level_;
  const bool json_;
};

}  // namespace esm::api_models
