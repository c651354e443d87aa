#include "api_models/mapping_status.hpp"

#include "api_models/failure_record.hpp"
#include "json_util.hpp"

namespace esm::api_models {

namespace {

void invocation(JsonWriter& w, const InvocationRecord& r) {
  w.start_object();
  w.key("RequestId").string(r.request_id);
  w.key("StartTime").string(iso8601_ms(r.start_ms));
  w.key("DurationMs").number(r.duration_ms);
  w.key("Outcome").string(r.outcome);
  if (!r.detail.empty()) w.key("Error").string(r.detail);
  w.key("RecordCount").integer(static_cast<std::int64_t>(r.records));
  w.key("PayloadBytes").integer(static_cast<std::int64_t>(r.payload_bytes));
  w.key("Partitions").start_array();
  for (const auto& range : r.ranges) {
    w.start_object();
    w.key("Partition").string(range.partition);
    w.key("FirstOffset").integer(range.first_offset);
    w.key("LastOffset").integer(range.last_offset);
    w.key("RecordCount").integer(static_cast<std::int64_t>(range.records));
    w.end_object();
  }
  w.end_array();
  w.key("Response").string(r.response);
  w.key("ResponseTruncated").boolean(r.response_truncated);
  if (r.event) {
    w.key("Event").string(*r.event);
    w.key("EventTruncated").boolean(r.event_truncated);
  } else {
    w.key("Event").null();
  }
  if (r.replay_of) {
    w.key("ReplayOf").string(*r.replay_of);
  } else {
    w.key("ReplayOf").null();
  }
  w.end_object();
}

void status(JsonWriter& w, const MappingStatus& s, bool with_invocations) {
  const auto& m = s.mapping;
  w.start_object();
  w.key("UUID").string(m.uuid);
  w.key("FunctionArn").string(m.function_arn);
  w.key("Topics").start_array();
  for (const auto& t : m.topics) w.string(t);
  w.end_array();
  w.key("State").string(to_string(m.state));
  w.key("StateTransitionReason").string(m.state_transition_reason);
  w.key("LastProcessingResult").string(m.last_processing_result);
  w.key("ConsumerGroupId").string(m.group_id());
  w.key("ConsumerRunning").boolean(s.consumer_running);
  std::int64_t lag = 0;
  w.key("Partitions").start_array();
  for (const auto& p : s.partitions) {
    lag += p.lag;
    w.start_object();
    w.key("Partition").integer(p.partition);
    w.key("CommittedOffset").integer(p.committed_offset);
    w.key("HighWatermark").integer(p.high_watermark);
    w.key("OffsetLag").integer(p.lag);
    w.end_object();
  }
  w.end_array();
  w.key("OffsetLag").integer(lag);
  if (s.last_error) {
    w.key("LastError").start_object();
    w.key("Message").string(*s.last_error);
    w.key("Time").string(iso8601_ms(s.last_error_ms));
    w.end_object();
  } else {
    w.key("LastError").null();
  }
  if (with_invocations) {
    w.key("Invocations").start_array();
    for (const auto& r : s.invocations) invocation(w, r);
    w.end_array();
  }
  w.end_object();
}

}  // namespace

std::string mapping_status_json(const MappingStatus& s, bool with_invocations) {
  JsonWriter w;
  status(w, s, with_invocations);
  return w.take();
}

std::string mapping_status_list_json(const std::vector<MappingStatus>& statuses) {
  JsonWriter w;
  w.start_object().key("Mappings").start_array();
  for (const auto& s : statuses) status(w, s, false);
  w.end_array().end_object();
  return w.take();
}

std::string invocation_record_json(const InvocationRecord& record) {
  JsonWriter w;
  invocation(w, record);
  return w.take();
}

}  // namespace esm::api_models
