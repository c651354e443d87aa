#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api_models/failure_record.hpp"
#include "api_models/kafka_event.hpp"
#include "kafka_handles.hpp"

namespace esm::engine {

// The on-failure destination stage: where records go when the function cannot take them
// (DestinationConfig.OnFailure). write() is called on an invocation worker, one write per
// partition at a time; implementations are thread-safe.
class FailureDestination {
 public:
  virtual ~FailureDestination() = default;
  // As the mapping names it (for the log and PROBLEM texts).
  virtual const std::string& name() const = 0;
  // Writes the failure records for `records` (one partition's, in offset order); nothing when
  // the destination accepted them all, else why not.
  virtual std::optional<std::string> write(
      const api_models::KafkaEventSource& source, const api_models::FailureReport& report,
      const std::vector<api_models::KafkaRecordView>& records) = 0;
};

// kafka://TOPIC on the mapping's own cluster: one message per record, its original key, the
// JSON document with the record's event as "payload". The producer (the consumer's brokers and
// security settings) is made at the first write and kept.
class KafkaTopicDestination final : public FailureDestination {
 public:
  KafkaTopicDestination(std::string topic, std::map<std::string, std::string> producer_properties);
  const std::string& name() const override { return name_; }
  std::optional<std::string> write(
      const api_models::KafkaEventSource& source, const api_models::FailureReport& report,
      const std::vector<api_models::KafkaRecordView>& records) override;

 private:
  std::optional<std::string> ensure_producer();  // with mutex_ held; why not, if it cannot

  const std::string topic_;
  const std::string name_;
  const std::map<std::string, std::string> properties_;
  std::mutex mutex_;      // one write at a time: each waits for its own delivery reports
  KafkaHandle producer_;  // guarded by mutex_
};

// A destination the emulator cannot write to as configured (an SQS, SNS or S3 ARN with no AWS
// endpoint given): every write fails, saying why, so the records stay and nothing is lost.
class UnreachableDestination final : public FailureDestination {
 public:
  UnreachableDestination(std::string name, std::string why)
      : name_(std::move(name)), why_(std::move(why)) {}
  const std::string& name() const override { return name_; }
  std::optional<std::string> write(const api_models::KafkaEventSource&,
                                   const api_models::FailureReport&,
                                   const std::vector<api_models::KafkaRecordView>&) override {
    return why_;
  }

 private:
  const std::string name_;
  const std::string why_;
};

}  // namespace esm::engine
