#include "api_models/log.hpp"

#include <chrono>
#include <ctime>

#include "json_util.hpp"

namespace esm::api_models {

namespace {
std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Warn:
      return "warn";
    case LogLevel::Error:
      return "error";
  }
  return "info";
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}
}  // namespace

bool Logger::enabled(LogLevel level, std::string_view uuid) const {
  if (!uuid.empty() && any_mapping_level_.load(std::memory_order_relaxed)) {
    std::lock_guard lock(levels_mutex_);
    if (auto it = mapping_levels_.find(uuid); it != mapping_levels_.end())
      return level >= it->second || level == LogLevel::Error;
  }
  return enabled(level);
}

void Logger::set_mapping_level(const std::string& uuid, std::optional<LogLevel> level) {
  std::lock_guard lock(levels_mutex_);
  if (level) {
    mapping_levels_[uuid] = *level;
  } else {
    mapping_levels_.erase(uuid);
  }
  any_mapping_level_.store(!mapping_levels_.empty(), std::memory_order_relaxed);
}

void Logger::log(LogLevel level, std::string_view uuid, std::string_view message) {
  if (!enabled(level, uuid)) return;
  std::string line;
  if (json_) {
    JsonWriter w;
    w.start_object().key("time").string(timestamp()).key("level").string(level_name(level));
    if (!uuid.empty()) w.key("uuid").string(uuid);
    w.key("message").string(message).end_object();
    line = w.take();
  } else {
    line = timestamp() + " " + std::string(level_name(level));
    if (!uuid.empty()) line += " [" + std::string(uuid) + "]";
    line += " " + std::string(message);
  }
  std::lock_guard lock(mutex_);
  out_ << line << '\n';
  out_.flush();
}

}  // namespace esm::api_models
