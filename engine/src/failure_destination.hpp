#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api_models/failure_record.hpp"
#include "api_models/kafka_event.hpp"
#include "aws_client/services.hpp"
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

// An SQS queue, SNS topic or S3 bucket ARN, written through the AWS endpoint the operator named
// (AwsServices): one message (SQS, SNS) or object (S3) per write, the §8.8 document for the
// records of one partition. S3 objects are named as AWS names them,
// aws/lambda/<mapping UUID>/<topic-partition>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>.
class AwsDestination final : public FailureDestination {
 public:
  AwsDestination(std::string arn, aws::Arn parsed, api_models::DestinationKind kind,
                 std::string mapping_uuid, std::shared_ptr<const aws::AwsServices> services);
  const std::string& name() const override { return name_; }
  std::optional<std::string> write(
      const api_models::KafkaEventSource& source, const api_models::FailureReport& report,
      const std::vector<api_models::KafkaRecordView>& records) override;

 private:
  const std::string name_;
  const aws::Arn arn_;
  const api_models::DestinationKind kind_;
  const std::string mapping_uuid_;
  const std::shared_ptr<const aws::AwsServices> services_;
};

// The S3 object name of a failure record written at `epoch_ms` (AWS's layout, above).
std::string s3_failure_object_key(const std::string& mapping_uuid, std::string_view topic,
                                  std::int32_t partition, std::int64_t epoch_ms);

// A destination the emulator cannot write to (an ARN of no service it writes to): every write
// fails, saying why, so the records stay and nothing is lost.
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
