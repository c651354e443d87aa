#pragma once

// GET /metrics: the mappings' counters in Prometheus's text exposition format (version 0.0.4).
// Names follow AWS's event source mapping metrics (the EventCount group and OffsetLag, from
// "Types of metrics for Lambda functions", docs.aws.amazon.com/lambda/latest/dg/
// monitoring-metrics-types.html), written as Prometheus names: PolledEventCount is
// esm_polled_events_total; README has the table. Pure: no clocks, no locks of its own.

#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace esm::server {

std::string prometheus_text(const std::vector<engine::MappingMetricsView>& mappings);

// A label value as the format escapes it (backslash, double quote, newline).
std::string escape_label(const std::string& value);

}  // namespace esm::server
