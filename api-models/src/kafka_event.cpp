#include "api_models/kafka_event.hpp"

#include "json_util.hpp"

namespace esm::api_models {

namespace {

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = (static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16) |
                   (static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8) |
                   static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < in.size()) {
    unsigned n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string group_key(const KafkaRecordView& r) {
  return std::string(r.topic) + "-" + std::to_string(r.partition);
}

}  // namespace

std::string kafka_event_json(const KafkaEventSource& source,
                             const std::vector<KafkaRecordView>& records) {
  JsonWriter w;
  w.start_object();
  w.key("eventSource").string(source.event_source_arn ? "aws:kafka" : "SelfManagedKafka");
  if (source.event_source_arn) w.key("eventSourceArn").string(*source.event_source_arn);
  w.key("bootstrapServers").string(source.bootstrap_servers);
  w.key("records").start_object();
  std::string open_key;
  for (const auto& r : records) {
    const std::string k = group_key(r);
    if (k != open_key) {
      if (!open_key.empty()) w.end_array();
      w.key(k).start_array();
      open_key = k;
    }
    w.start_object();
    w.key("topic").string(r.topic);
    w.key("partition").integer(r.partition);
    w.key("offset").integer(r.offset);
    w.key("timestamp").integer(r.timestamp_ms);
    w.key("timestampType").string(r.log_append_time ? "LOG_APPEND_TIME" : "CREATE_TIME");
    if (r.key) w.key("key").string(base64(*r.key));
    if (r.value) w.key("value").string(base64(*r.value));
    w.key("headers").start_array();
    for (const auto& [name, value] : r.headers) {
      w.start_object().key(name).start_array();
      if (value) {
        for (char c : *value) w.integer(static_cast<signed char>(c));  // Java signed bytes
      }
      w.end_array().end_object();
    }
    w.end_array();
    w.end_object();
  }
  if (!open_key.empty()) w.end_array();
  w.end_object();
  w.end_object();
  return w.take();
}

std::size_t kafka_record_size_bound(const KafkaRecordView& r) {
  // Member names and punctuation (~120), the topic twice (escaped: up to 6x), numbers, base64
  // (4/3), header bytes as "-128," (5 each) plus escaped names, and a "topic-partition" key.
  std::size_t n = 160 + 12 * r.topic.size() + 64;
  if (r.key) n += (r.key->size() + 2) / 3 * 4 + 10;
  if (r.value) n += (r.value->size() + 2) / 3 * 4 + 12;
  for (const auto& [name, value] : r.headers) {
    n += 6 * name.size() + 8 + (value ? 5 * value->size() : 0);
  }
  return n;
}

std::size_t kafka_event_overhead(const KafkaEventSource& source) {
  return 120 + 6 * source.bootstrap_servers.size() +
         (source.event_source_arn ? 6 * source.event_source_arn->size() + 20 : 0);
}

}  // namespace esm::api_models
