#!/usr/bin/env bash
# Artifacts from Maven Central with their dependencies, fetched once into a cache of their own;
# prints the class path.
#   scripts/maven_classpath.sh NAME GROUP:ARTIFACT:VERSION...
# NAME names the cache (~/.cache/esm-emulator/NAME, or $ESM_MAVEN_CACHE/NAME).
set -euo pipefail
NAME="$1"
shift
CACHE="${ESM_MAVEN_CACHE:-$HOME/.cache/esm-emulator}/$NAME"
if [ ! -f "$CACHE/.complete" ]; then
  mkdir -p "$CACHE"
  {
    echo '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
    echo "<groupId>esm-emulator</groupId><artifactId>$NAME</artifactId><version>1</version><dependencies>"
    for coordinate in "$@"; do
      IFS=: read -r group artifact version <<< "$coordinate"
      echo "<dependency><groupId>$group</groupId><artifactId>$artifact</artifactId><version>$version</version></dependency>"
    done
    echo '</dependencies></project>'
  } > "$CACHE/pom.xml"
  echo "maven_classpath.sh: fetching $* from Maven Central into $CACHE" >&2
  mvn -q -B -f "$CACHE/pom.xml" dependency:copy-dependencies -DoutputDirectory="$CACHE/libs" >&2
  touch "$CACHE/.complete"
fi
ls "$CACHE"/libs/*.jar | paste -sd:
