#pragma once

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_models/failure_record.hpp"
#include "api_models/kafka_event.hpp"
#include "kafka_handles.hpp"
#include "schema_registry/record_decoder.hpp"

namespace esm::engine {

// A record as the event carries it: views into the message's memory. `no_headers` is the caller's
// memory of librdkafka having said the record has no headers: then it is not asked again (for a
// record with none, a header count of 0, librdkafka parses the empty list anew, allocating, at
// every call; a list it found it keeps with the message).
inline api_models::KafkaRecordView record_view(const rd_kafka_message_t* msg,
                                               std::string_view topic, bool& no_headers) {
  api_models::KafkaRecordView v;
  v.topic = topic;
  v.partition = msg->partition;
  v.offset = msg->offset;
  rd_kafka_timestamp_type_t tstype;
  v.timestamp_ms = rd_kafka_message_timestamp(msg, &tstype);
  v.log_append_time = tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME;
  if (msg->key) v.key = std::string_view(static_cast<const char*>(msg->key), msg->key_len);
  if (msg->payload) v.value = std::string_view(static_cast<const char*>(msg->payload), msg->len);
  if (no_headers) return v;
  rd_kafka_headers_t* hdrs = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(msg), &hdrs);
  if (err == RD_KAFKA_RESP_ERR__NOENT) no_headers = true;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    const char* name = nullptr;
    const void* val = nullptr;
    size_t len = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(hdrs, i, &name, &val, &len) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      v.headers.emplace_back(name, val ? std::optional<std::string_view>(
                                             std::string_view(static_cast<const char*>(val), len))
                                       : std::nullopt);
    }
  }
  return v;
}

// The view with what the schema registry stage made of the record in place of its key and value.
inline void apply_decoded(api_models::KafkaRecordView& v, const schema_registry::DecodedRecord& d) {
  if (d.key) {
    v.key = d.key->bytes;
    v.key_schema = api_models::SchemaMetadataView{d.key->data_format, d.key->schema_id};
  }
  if (d.value) {
    v.value = d.value->bytes;
    v.value_schema = api_models::SchemaMetadataView{d.value->data_format, d.value->schema_id};
  }
}

// A record as the event carries it, with what the schema registry stage made of it (if anything).
inline api_models::KafkaRecordView event_view(const rd_kafka_message_t* msg,
                                              const schema_registry::DecodedRecord* decoded,
                                              std::string_view topic, bool& no_headers) {
  auto v = record_view(msg, topic, no_headers);
  if (decoded != nullptr) apply_decoded(v, *decoded);
  return v;
}

// A buffered record the schema registry stage holds back from delivery.
struct HeldRecord {
  // Undecided: the registry did not answer (it is asked again); or rejected: SCHEMA_NOT_FOUND /
  // DESERIALIZATION_ERROR, given up to the destination once it reaches the front.
  std::optional<api_models::FailureCondition> rejected;
  std::string detail;
};

// Records the function failed for, owed another attempt: the next batch of the partition holds
// exactly these `records` (front first). Bisecting replaces one by its two halves.
struct RetryBatch {
  std::size_t records = 0;
  int retries = 0;      // retries these records have had (counted towards MaximumRetryAttempts)
  int invocations = 0;  // invocations that carried them (approximateInvokeCount)
};

// A retried record's view as its last event had it, with that event's text: the view's `encoded`
// points into it, so the retry sends the record's object again without writing it anew.
struct RetriedView {
  api_models::KafkaRecordView view;
  std::shared_ptr<const std::string> event;  // null: the view has no `encoded` text
};

// Records given up (retries used up, too old, too large), on their way to the on-failure
// destination; in offset order.
struct FailedRecords {
  std::vector<KafkaMessage> messages;
  api_models::FailureReport report;
};

// The records of one invocation, taken out of their partitions while it runs. The views point
// into the messages (and their `encoded` into `event`); the payload is built from them on the
// invocation's thread, so the consumer loop goes on polling and dispatching meanwhile. A failed
// batch whose last records are retried stays whole: its partition keeps it in front
// (PartitionBuffer::retain) and the retry sends it again without the records before `first`.
struct Batch {
  std::vector<KafkaMessage> messages;  // partition by partition, in offset order
  std::vector<api_models::KafkaRecordView> views;
  // What the schema registry stage made of each message (null: not decoded; the views point into
  // these), one for one.
  std::vector<std::unique_ptr<const schema_registry::DecodedRecord>> decoded;
  // Records before this one are done (delivered), kept with the batch: those from it on are the
  // batch's records now (a retained batch's retry sends only them).
  std::size_t first = 0;
  // The last event sent (the views' `encoded` point into it), and the earlier events that views
  // taken from partition buffers carry their text from.
  std::shared_ptr<const std::string> event;
  std::vector<std::shared_ptr<const std::string>> earlier_events;

  std::size_t size() const { return messages.size() - first; }
  std::vector<KafkaMessage>::iterator records_begin() {
    return messages.begin() + static_cast<std::ptrdiff_t>(first);
  }
  std::span<const api_models::KafkaRecordView> record_views() const {
    return std::span<const api_models::KafkaRecordView>(views).subspan(first);
  }
  // The event went: each record's view's `encoded` is now its object's text in it (`spans`, one
  // for one with record_views()).
  void sent(std::shared_ptr<const std::string> sent_event,
            const std::vector<api_models::RecordSpan>& spans) {
    const std::string_view text(*sent_event);
    for (std::size_t i = 0; first + i < views.size() && i < spans.size(); ++i) {
      views[first + i].encoded = text.substr(spans[i].begin, spans[i].end - spans[i].begin);
    }
    event = std::move(sent_event);
    earlier_events.clear();
  }
};

// One assigned partition's delivery state: its librdkafka fetch queue, the records taken from it
// that wait for delivery (front = next to deliver), its retry state, and where its commit may go.
// Owned and used by the runner's consumer thread only.
class PartitionBuffer {
 public:
  using Clock = std::chrono::steady_clock;

  // The partition's own fetch queue, not forwarded to the consumer queue: records are taken from
  // it only as delivery needs them, so a partition that does not advance (its function fails)
  // stops being fetched when the queue is full, while the others flow on. No pause/resume.
  KafkaQueue queue;
  std::uint64_t epoch = 0;       // which assignment this is: a batch of an earlier one is stale
  bool in_flight = false;        // its next records are in an invocation or destination write now
  int attempts = 0;              // failed attempts in a row (the backoff); > 0: retrying
  Clock::time_point retry_at{};  // no delivery before this
  Clock::time_point first_buffered{};
  // Records older than this (epoch ms) are passed over until the first one at or after it: the
  // start by time where the broker could not look the offset up.
  std::optional<std::int64_t> time_floor_ms;
  std::deque<RetryBatch> retry_batches;  // empty: not retrying
  // Given up and not yet accepted by the destination: they come before every buffered record,
  // and nothing else of the partition is sent until they are accepted.
  std::unique_ptr<FailedRecords> given_up;

  // The next batch may hold at most this many records (0: no such limit).
  std::size_t batch_cap() const {
    return retry_batches.empty() ? 0 : retry_batches.front().records;
  }
  // `n` records from the front left the buffer (sent, or given up): the retry batches they
  // belonged to shrink. Returns what the front one had been (fresh: not retrying).
  RetryBatch consume_retry_batch(std::size_t n) {
    if (retry_batches.empty()) return RetryBatch{n, 0, 0};
    const RetryBatch was = retry_batches.front();
    while (n > 0 && !retry_batches.empty()) {
      const std::size_t take = std::min(n, retry_batches.front().records);
      retry_batches.front().records -= take;
      n -= take;
      if (retry_batches.front().records == 0) retry_batches.pop_front();
    }
    return was;
  }

  bool empty() const { return size() == 0; }
  std::size_t size() const { return retained() + records_.size(); }
  std::size_t bytes() const { return bytes_; }  // keys and values held
  const rd_kafka_message_t* at(std::size_t i) const {
    const std::size_t r = retained();
    return i < r ? retained_->messages[retained_->first + i].get() : records_[i - r].msg.get();
  }
  // What the schema registry stage made of record i (null: not decoded).
  const schema_registry::DecodedRecord* decoded(std::size_t i) const {
    const std::size_t r = retained();
    return i < r ? retained_->decoded[retained_->first + i].get() : records_[i - r].decoded.get();
  }
  void set_decoded(std::size_t i, std::unique_ptr<const schema_registry::DecodedRecord> d) {
    if (i < retained()) spill();
    records_[i].decoded = std::move(d);
    records_[i].view.reset();
    records_[i].bound = 0;
  }
  // Record i as the event carries it (decoded, when the schema registry stage decoded it).
  api_models::KafkaRecordView view(std::size_t i, std::string_view topic) const {
    const std::size_t r = retained();
    if (i < r) return retained_->views[retained_->first + i];
    const Entry& e = records_[i - r];
    return e.view ? e.view->view : event_view(e.msg.get(), e.decoded.get(), topic, e.no_headers);
  }
  // The bytes record i (0 = front) adds to an event: computed once per buffered record, when the
  // batching stage first asks (from the view a retried record brought back, or a view made for it).
  std::size_t size_bound(std::size_t i, std::string_view topic) {
    const std::size_t r = retained();
    if (i < r) return api_models::kafka_record_size_bound(retained_->views[retained_->first + i]);
    Entry& e = records_[i - r];
    if (e.bound == 0) {
      e.bound = static_cast<std::uint32_t>(api_models::kafka_record_size_bound(
          e.view ? e.view->view : event_view(e.msg.get(), e.decoded.get(), topic, e.no_headers)));
    }
    return e.bound;
  }

  // The schema registry stage's: records taken from the queue and not decoded yet (in order),
  // and how many of those before them a decode worker has now (see DecodeStage).
  std::deque<KafkaMessage> undecoded;
  std::size_t decoding = 0;
  // Records held back by the schema registry stage, by offset; the batches stop before the first.
  std::map<std::int64_t, HeldRecord> held;
  // Forgets held records that left the buffer meanwhile (given up as too old).
  void prune_held() {
    while (!held.empty() && (empty() || held.begin()->first < at(0)->offset)) {
      held.erase(held.begin());
    }
  }
  Clock::time_point decode_retry_at{};  // the registry did not answer: ask again from then
  int decode_attempts = 0;
  // Records at the front that may be delivered (all, unless one is held).
  std::size_t ready() const {
    if (held.empty()) return size();
    return index_of(held.begin()->first);
  }
  // The position of the buffered record at `offset`, or of the first after it (size(): none).
  std::size_t index_of(std::int64_t offset) const {
    const std::size_t r = retained();
    if (r > 0 && offset <= retained_->messages.back()->offset) {
      const auto begin =
          retained_->messages.begin() + static_cast<std::ptrdiff_t>(retained_->first);
      auto it =
          std::lower_bound(begin, retained_->messages.end(), offset,
                           [](const KafkaMessage& m, std::int64_t o) { return m->offset < o; });
      return static_cast<std::size_t>(it - begin);
    }
    auto it = std::lower_bound(records_.begin(), records_.end(), offset,
                               [](const Entry& e, std::int64_t o) { return e.msg->offset < o; });
    return r + static_cast<std::size_t>(it - records_.begin());
  }
  // Record i taken out of the buffer (passed over where it lies).
  KafkaMessage erase_at(std::size_t i) {
    if (i < retained()) spill();
    KafkaMessage msg = std::move(records_[i].msg);
    records_.erase(records_.begin() + static_cast<std::ptrdiff_t>(i));
    bytes_ -= size_of(*msg);
    return msg;
  }

  // Every record taken from the queue passes here first, delivered or not.
  void taken(std::int64_t offset) { next_offset_ = offset + 1; }
  // `decoded`: what the schema registry stage made of it, kept with it until it is delivered or
  // given up (a retry sends it decoded again).
  void push_back(KafkaMessage msg,
                 std::unique_ptr<const schema_registry::DecodedRecord> decoded = nullptr) {
    if (empty()) first_buffered = Clock::now();
    bytes_ += size_of(*msg);
    records_.push_back(Entry{std::move(msg), std::move(decoded), nullptr, 0, false});
  }
  KafkaMessage pop_front() { return take_front().msg; }
  // The front record with what it was decoded to and the view a retry brought back with it (if
  // it was retried, with the event its `encoded` text lies in), out of the buffer.
  struct Taken {
    KafkaMessage msg;
    std::unique_ptr<const schema_registry::DecodedRecord> decoded;
    std::optional<api_models::KafkaRecordView> view;
    std::shared_ptr<const std::string> event;
    bool no_headers = false;
  };
  Taken take_front() {
    if (retained() > 0) return take_retained_front();
    Entry& e = records_.front();
    Taken out{std::move(e.msg), std::move(e.decoded), std::nullopt, nullptr, e.no_headers};
    if (e.view) {
      out.view = std::move(e.view->view);
      out.event = std::move(e.view->event);
    }
    records_.pop_front();
    bytes_ -= size_of(*out.msg);
    return out;
  }

  // How many of the front records a retained batch holds (see retain).
  std::size_t retained() const { return retained_ ? retained_->size() : 0; }
  // A failed batch's records from `first` on go back in front, the batch kept whole: its retry
  // (take_retained) sends it again as it is. Putting hundreds of records back one by one and
  // taking them out again was most of the consumer thread's work in a retry round.
  void retain(std::unique_ptr<Batch> batch, std::size_t first) {
    spill();
    batch->first = first;
    for (std::size_t i = first; i < batch->messages.size(); ++i)
      bytes_ += size_of(*batch->messages[i]);
    retained_ = std::move(batch);
  }
  // The retained batch, out of the buffer (its records before `first` are done).
  std::unique_ptr<Batch> take_retained() {
    for (std::size_t i = retained_->first; i < retained_->messages.size(); ++i)
      bytes_ -= size_of(*retained_->messages[i]);
    return std::move(retained_);
  }
  // A failed batch's records [from, to), back in front one by one, each with what it was decoded
  // to and its view (which keeps its object's text in the batch's event, if that was written).
  void put_back(Batch& batch, std::size_t from, std::size_t to) {
    spill();
    for (std::size_t i = to; i-- > from;) {  // the last first: each goes in front of the next
      push_front_retried(std::move(batch.messages[i]), std::move(batch.decoded[i]),
                         std::move(batch.views[i]), batch.event);
    }
  }

  // Where the commit may go: every record before it is done (delivered, or passed over: filtered
  // out, before the start, too large). Nothing while a batch is in flight (its outcome decides)
  // or before a record was taken.
  std::optional<std::int64_t> done_up_to() const {
    if (in_flight) return std::nullopt;
    if (given_up && !given_up->messages.empty()) return given_up->messages.front()->offset;
    if (!empty()) return at(0)->offset;
    if (next_offset_ >= 0) return next_offset_;
    return std::nullopt;
  }

 private:
  static std::size_t size_of(const rd_kafka_message_t& m) { return m.len + m.key_len; }

  Taken take_retained_front() {
    Batch& b = *retained_;
    const std::size_t i = b.first++;
    Taken out{std::move(b.messages[i]), std::move(b.decoded[i]), std::move(b.views[i]), b.event,
              false};
    bytes_ -= size_of(*out.msg);
    if (b.first == b.messages.size()) retained_.reset();
    return out;
  }
  // The retained batch's records, into the front of records_ one by one (something goes in front
  // of them, or one of them is changed).
  void spill() {
    if (!retained_) return;
    auto batch = std::move(retained_);
    for (std::size_t i = batch->messages.size(); i-- > batch->first;) {
      bytes_ -= size_of(*batch->messages[i]);
      push_front_retried(std::move(batch->messages[i]), std::move(batch->decoded[i]),
                         std::move(batch->views[i]), batch->event);
    }
  }
  void push_front_retried(KafkaMessage msg,
                          std::unique_ptr<const schema_registry::DecodedRecord> decoded,
                          api_models::KafkaRecordView view,
                          const std::shared_ptr<const std::string>& event) {
    bytes_ += size_of(*msg);
    auto retried = std::make_unique<RetriedView>(RetriedView{std::move(view), event});
    if (!event) retried->view.encoded = {};  // its text is not kept: written anew
    records_.push_front(Entry{std::move(msg), std::move(decoded), std::move(retried), 0, false});
  }

  struct Entry {
    KafkaMessage msg;
    std::unique_ptr<const schema_registry::DecodedRecord> decoded;  // null: not decoded
    // A retried record's view, as its batch had it (a fresh record's is made when needed: keeping
    // one for every record cost more than it saved). Out of line, so that an entry stays small.
    std::unique_ptr<RetriedView> view;
    std::uint32_t bound = 0;          // 0: not computed yet (an event is at most 6 MB)
    mutable bool no_headers = false;  // librdkafka said the record has none (see record_view)
  };
  // A failed batch whose records [first, end) come before records_ (see retain).
  std::unique_ptr<Batch> retained_;
  std::deque<Entry> records_;
  std::size_t bytes_ = 0;          // of the retained batch's records and records_
  std::int64_t next_offset_ = -1;  // one past the last offset taken from `queue`
};

}  // namespace esm::engine
