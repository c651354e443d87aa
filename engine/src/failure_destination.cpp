#include "failure_destination.hpp"

#include <atomic>
#include <ctime>

#include "api_models/uuid.hpp"

namespace esm::engine {

namespace {

constexpr int kWriteTimeoutMs = 15000;

// What the delivery reports of one write say; the reports run inside rd_kafka_flush, on the
// writing thread.
struct WriteReports {
  std::atomic<int> pending{0};
  std::atomic<int> failed{0};
  std::string first_error;  // written by the first failure only
};

void delivery_report(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* reports = static_cast<WriteReports*>(msg->_private);
  if (reports == nullptr) return;
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR && reports->failed.fetch_add(1) == 0)
    reports->first_error = rd_kafka_err2str(msg->err);
  reports->pending.fetch_sub(1);
}

}  // namespace

KafkaTopicDestination::KafkaTopicDestination(std::string topic,
                                             std::map<std::string, std::string> producer_properties)
    : topic_(std::move(topic)),
      name_("kafka://" + topic_),
      properties_(std::move(producer_properties)) {}

std::optional<std::string> KafkaTopicDestination::ensure_producer() {
  if (producer_) return std::nullopt;
  char err[512];
  KafkaConf conf(rd_kafka_conf_new());
  std::map<std::string, std::string> props = {
      {"message.timeout.ms", std::to_string(kWriteTimeoutMs - 1000)},
      {"log.connection.close", "false"},
  };
  for (const auto& [k, v] : properties_) props[k] = v;
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      return "invalid producer setting " + k;
  }
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &delivery_report);
  producer_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!producer_) return std::string("cannot create a producer: ") + err;
  conf.release();
  return std::nullopt;
}

std::optional<std::string> KafkaTopicDestination::write(
    const api_models::KafkaEventSource& source, const api_models::FailureReport& report,
    const std::vector<api_models::KafkaRecordView>& records) {
  std::lock_guard lock(mutex_);
  if (auto why = ensure_producer()) return why;
  WriteReports reports;
  for (const auto& r : records) {
    std::string doc = api_models::record_failure_document(source, report, r);
    reports.pending.fetch_add(1);
    const void* key = r.key ? r.key->data() : nullptr;
    const std::size_t key_len = r.key ? r.key->size() : 0;
    const auto e = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE(doc.data(), doc.size()), RD_KAFKA_V_KEY(const_cast<void*>(key), key_len),
        RD_KAFKA_V_OPAQUE(&reports), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      reports.pending.fetch_sub(1);
      rd_kafka_flush(producer_.get(), kWriteTimeoutMs);  // the reports point at `reports`
      return std::string("cannot produce to ") + topic_ + ": " + rd_kafka_err2str(e);
    }
  }
  // Every report comes before the flush returns, or by message.timeout.ms (below the flush's).
  rd_kafka_flush(producer_.get(), kWriteTimeoutMs);
  if (reports.pending.load() > 0) {
    // Not answered in time: drop what is queued so no report outlives `reports`.
    rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(producer_.get(), kWriteTimeoutMs);
    if (reports.pending.load() > 0) producer_.reset();  // waits for the last ones
    return "the brokers did not acknowledge the records in time";
  }
  if (reports.failed.load() > 0) return reports.first_error;
  return std::nullopt;
}

AwsDestination::AwsDestination(std::string arn, aws::Arn parsed, api_models::DestinationKind kind,
                               std::string mapping_uuid,
                               std::shared_ptr<const aws::AwsServices> services)
    : name_(std::move(arn)),
      arn_(std::move(parsed)),
      kind_(kind),
      mapping_uuid_(std::move(mapping_uuid)),
      services_(std::move(services)) {}

std::optional<std::string> AwsDestination::write(
    const api_models::KafkaEventSource& source, const api_models::FailureReport& report,
    const std::vector<api_models::KafkaRecordView>& records) {
  const std::string doc = api_models::batch_failure_document(source, report, kind_, records);
  switch (kind_) {
    case api_models::DestinationKind::Sqs:
      return services_->sqs_send_message(arn_, doc);
    case api_models::DestinationKind::Sns:
      return services_->sns_publish(arn_, doc);
    case api_models::DestinationKind::S3: {
      const auto& first = records.front();
      return services_->s3_put_object(
          arn_,
          s3_failure_object_key(mapping_uuid_, first.topic, first.partition, report.timestamp_ms),
          doc);
    }
    case api_models::DestinationKind::KafkaTopic:
      break;
  }
  return "not an SQS, SNS or S3 destination";
}

std::string s3_failure_object_key(const std::string& mapping_uuid, std::string_view topic,
                                  std::int32_t partition, std::int64_t epoch_ms) {
  const std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char day[16], stamp[32];
  std::strftime(day, sizeof day, "%Y/%m/%d", &tm);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H.%M.%S", &tm);
  return "aws/lambda/" + mapping_uuid + "/" + std::string(topic) + "-" + std::to_string(partition) +
         "/" + day + "/" + stamp + "-" + api_models::random_uuid();
}

}  // namespace esm::engine
