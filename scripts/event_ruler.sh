#!/usr/bin/env bash
# AWS's EventBridge pattern engine, software.amazon.event.ruler:event-ruler from Maven Central,
# as the independent oracle of the filter differential suite (tests/oracle/RulerOracle.java,
# tests/integration/test_filter_oracle.py). Fetches it once (with its dependencies) and prints
# the class path.
set -euo pipefail
VERSION="${ESM_EVENT_RULER_VERSION:-2.1.0}"
exec "$(dirname "$0")/maven_classpath.sh" "event-ruler-$VERSION" \
  "software.amazon.event.ruler:event-ruler:$VERSION"
