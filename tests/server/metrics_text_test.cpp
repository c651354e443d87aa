#include "metrics_text.hpp"

#include <catch2/catch.hpp>

namespace esm::server {

TEST_CASE("Metrics text: counters, lag, histograms and escaped labels", "[server][metrics]") {
  auto m = std::make_shared<engine::MappingMetrics>();
  m->polled = 7;
  m->function_errors = 2;
  m->batch_records.observe(1);
  m->batch_records.observe(600);
  m->set_partitions({{0, 5, 9}, {1, -1, 4}, {2, 3, -1}});
  const std::string text = prometheus_text(
      {{"u-1", "arn:aws:lambda:us-east-1:000000000000:function:f:live", "t\"x\\y\nz", m}});
  const std::string labels = R"(uuid="u-1",function="f",topic="t\"x\\y\nz")";
  auto has = [&](const std::string& line) {
    INFO(line);
    CHECK(text.find(line + "\n") != std::string::npos);
  };
  has("# TYPE esm_polled_events_total counter");
  has("esm_polled_events_total{" + labels + "} 7");
  has("esm_function_errors_total{" + labels + ",kind=\"function_error\"} 2");
  has("esm_function_errors_total{" + labels + ",kind=\"unreachable\"} 0");
  // Lag: 9 - 5 on partition 0; the others have an end not known yet.
  has("esm_offset_lag{" + labels + "} 4");
  has("esm_partition_offset_lag{" + labels + ",partition=\"0\"} 4");
  has("esm_partition_offset_lag{" + labels + ",partition=\"1\"} 0");
  has("esm_partition_committed_offset{" + labels + ",partition=\"1\"} -1");
  has("esm_assigned_partitions{" + labels + "} 3");
  has("esm_batch_records_bucket{" + labels + ",le=\"1\"} 1");
  has("esm_batch_records_bucket{" + labels + ",le=\"500\"} 1");
  has("esm_batch_records_bucket{" + labels + ",le=\"1000\"} 2");
  has("esm_batch_records_bucket{" + labels + ",le=\"+Inf\"} 2");
  has("esm_batch_records_sum{" + labels + "} 601");
  has("esm_batch_records_count{" + labels + "} 2");
  CHECK(prometheus_text({}).find("esm_polled_events_total{") == std::string::npos);
}

}  // namespace esm::server
