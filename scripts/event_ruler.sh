#!/usr/bin/env bash
# AWS's EventBridge pattern engine, software.amazon.event.ruler:event-ruler from Maven Central,
# as the independent oracle of the filter differential suite (tests/oracle/RulerOracle.java,
# tests/integration/test_filter_oracle.py). Fetches it once (with its dependencies) and prints
# the class path.
set -euo pipefail
VERSION="${ESM_EVENT_RULER_VERSION:-2.1.0}"
CACHE="${ESM_EVENT_RULER_CACHE:-$HOME/.cache/esm-emulator/event-ruler-$VERSION}"
if [ ! -f "$CACHE/.complete" ]; then
  mkdir -p "$CACHE"
  cat > "$CACHE/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>esm-emulator</groupId><artifactId>filter-oracle</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>software.amazon.event.ruler</groupId><artifactId>event-ruler</artifactId><version>$VERSION</version></dependency>
  </dependencies>
</project>
POM
  echo "event_ruler.sh: fetching event-ruler $VERSION from Maven Central into $CACHE" >&2
  mvn -q -B -f "$CACHE/pom.xml" dependency:copy-dependencies -DoutputDirectory="$CACHE/libs" >&2
  touch "$CACHE/.complete"
fi
ls "$CACHE"/libs/*.jar | paste -sd:
