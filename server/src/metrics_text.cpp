#include "metrics_text.hpp"

#include <charconv>
#include <functional>
#include <string_view>
#include <type_traits>

namespace esm::server {

namespace {

using engine::MappingMetrics;
using engine::MappingMetricsView;

std::string function_name(const std::string& arn) {
  const auto at = arn.find(":function:");
  if (at == std::string::npos) return arn;
  std::string name = arn.substr(at + 10);
  return name.substr(0, name.find(':'));  // without a qualifier
}

std::string number(double v) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;  // the shortest exact form
  return std::string(buf, end);
}

// Appends samples without temporaries: a scrape of 500 mappings x 8 partitions is ~4 MB.
class Writer {
 public:
  explicit Writer(std::size_t expected) { out_.reserve(expected); }
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_.append("# HELP ").append(name).append(" ").append(help);
    out_.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
  }
  // name{labels<extra>} value
  template <typename Value>
  void sample(std::string_view name, std::string_view labels, std::string_view extra, Value value) {
    out_.append(name).append("{").append(labels).append(extra).append("} ");
    if constexpr (std::is_floating_point_v<Value>) {
      out_.append(number(value));
    } else {
      char buf[24];
      const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
      out_.append(buf, end);
    }
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string mapping_labels(const MappingMetricsView& m) {
  return "uuid=\"" + escape_label(m.uuid) + "\",function=\"" +
         escape_label(function_name(m.function_arn)) + "\",topic=\"" + escape_label(m.topic) + "\"";
}

struct Counter {
  const char* name;
  const char* help;
  std::function<std::uint64_t(const MappingMetrics&)> read;
};

const std::vector<Counter>& counters() {
  static const std::vector<Counter> kCounters = {
      {"esm_polled_events_total", "Records read from Kafka (AWS: PolledEventCount).",
       [](const MappingMetrics& m) { return m.polled.load(); }},
      {"esm_filtered_out_events_total",
       "Records that matched no filter pattern (AWS: FilteredOutEventCount).",
       [](const MappingMetrics& m) { return m.filtered_out.load(); }},
      {"esm_invoked_events_total",
       "Records sent to the function, retries included (AWS: InvokedEventCount).",
       [](const MappingMetrics& m) { return m.invoked.load(); }},
      {"esm_failed_invoke_events_total",
       "Records sent whose invocation failed for them (AWS: FailedInvokeEventCount).",
       [](const MappingMetrics& m) { return m.failed_invoke.load(); }},
      {"esm_dropped_events_total",
       "Records given up with no on-failure destination (AWS: DroppedEventCount).",
       [](const MappingMetrics& m) { return m.dropped.load(); }},
      {"esm_on_failure_destination_delivered_events_total",
       "Records the on-failure destination accepted (AWS: "
       "OnFailureDestinationDeliveredEventCount).",
       [](const MappingMetrics& m) { return m.on_failure_delivered.load(); }},
      {"esm_invocations_total", "Invocations of the function that finished.",
       [](const MappingMetrics& m) { return m.invocations.load(); }},
      {"esm_destination_write_failures_total",
       "Writes to the on-failure destination that it did not accept.",
       [](const MappingMetrics& m) { return m.destination_failures.load(); }},
      {"esm_schema_not_found_events_total",
       "Records whose schema id the schema registry does not have (SCHEMA_NOT_FOUND).",
       [](const MappingMetrics& m) { return m.schema_not_found.load(); }},
      {"esm_deserialization_error_events_total",
       "Records that do not decode with their schema (DESERIALIZATION_ERROR).",
       [](const MappingMetrics& m) { return m.deserialization_errors.load(); }},
  };
  return kCounters;
}

template <std::size_t N>
void histogram(Writer& w, const std::string& name, const std::string& labels,
               const engine::Histogram<N>& h) {
  const std::string bucket = name + "_bucket";
  for (std::size_t i = 0; i < N; ++i)
    w.sample(bucket, labels, ",le=\"" + number(h.bounds()[i]) + "\"", h.cumulative(i));
  const auto count = h.cumulative(N);
  w.sample(bucket, labels, ",le=\"+Inf\"", count);
  w.sample(name + "_sum", labels, "", h.sum());
  w.sample(name + "_count", labels, "", count);
}

}  // namespace

std::string escape_label(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string prometheus_text(const std::vector<MappingMetricsView>& mappings) {
  std::vector<std::string> labels;
  std::vector<std::vector<engine::PartitionProgress>> partitions;
  std::size_t expected = 4096;
  for (const auto& m : mappings) {
    labels.push_back(mapping_labels(m));
    partitions.push_back(m.metrics->partitions());
    expected += (40 + partitions.back().size() * 3) * (labels.back().size() + 48);
  }
  Writer w(expected);
  for (const auto& c : counters()) {
    w.family(c.name, "counter", c.help);
    for (std::size_t i = 0; i < mappings.size(); ++i)
      w.sample(c.name, labels[i], "", c.read(*mappings[i].metrics));
  }
  w.family("esm_function_errors_total", "counter",
           "Invocations that failed as a whole, by kind: the function answered with an error "
           "(function_error) or could not be reached (unreachable).");
  for (std::size_t i = 0; i < mappings.size(); ++i) {
    w.sample("esm_function_errors_total", labels[i], ",kind=\"function_error\"",
             mappings[i].metrics->function_errors.load());
    w.sample("esm_function_errors_total", labels[i], ",kind=\"unreachable\"",
             mappings[i].metrics->function_unreachable.load());
  }
  w.family("esm_offset_lag", "gauge",
           "Records written to the topic that the group has not processed, summed over the "
           "assigned partitions (AWS: OffsetLag).");
  for (std::size_t i = 0; i < mappings.size(); ++i) {
    std::int64_t lag = 0;
    for (const auto& p : partitions[i]) lag += p.lag();
    w.sample("esm_offset_lag", labels[i], "", lag);
  }
  w.family("esm_assigned_partitions", "gauge", "Partitions the mapping's consumer holds.");
  for (std::size_t i = 0; i < mappings.size(); ++i)
    w.sample("esm_assigned_partitions", labels[i], "", partitions[i].size());
  struct PartitionGauge {
    const char* name;
    const char* help;
    std::int64_t (*read)(const engine::PartitionProgress&);
  };
  const PartitionGauge gauges[] = {
      {"esm_partition_offset_lag", "One assigned partition's OffsetLag.",
       [](const engine::PartitionProgress& p) { return p.lag(); }},
      {"esm_partition_committed_offset",
       "The next offset the group reads in the partition (-1: not known yet).",
       [](const engine::PartitionProgress& p) { return p.committed; }},
      {"esm_partition_high_watermark",
       "One past the partition's last offset, as the consumer last saw it (-1: not known yet).",
       [](const engine::PartitionProgress& p) { return p.high_watermark; }},
  };
  std::string partition_label;
  for (const auto& g : gauges) {
    w.family(g.name, "gauge", g.help);
    for (std::size_t i = 0; i < mappings.size(); ++i) {
      for (const auto& p : partitions[i]) {
        partition_label.assign(",partition=\"").append(std::to_string(p.partition)).append("\"");
        w.sample(g.name, labels[i], partition_label, g.read(p));
      }
    }
  }
  w.family("esm_invocation_duration_seconds", "histogram",
           "How long invocations took, from the request to the function's answer.");
  for (std::size_t i = 0; i < mappings.size(); ++i)
    histogram(w, "esm_invocation_duration_seconds", labels[i],
              mappings[i].metrics->duration_seconds);
  w.family("esm_batch_records", "histogram", "Records per invocation.");
  for (std::size_t i = 0; i < mappings.size(); ++i)
    histogram(w, "esm_batch_records", labels[i], mappings[i].metrics->batch_records);
  return w.take();
}

}  // namespace esm::server
