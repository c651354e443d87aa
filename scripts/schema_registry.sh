#!/usr/bin/env bash
# A real Confluent-compatible schema registry on loopback, for the schema registry tests:
# Apicurio Registry (its ccompat v7 API is Confluent's REST API), the release distribution from
# Maven Central (io.apicurio:apicurio-registry-app:VERSION:tar.gz:all, checked against the
# repository's SHA-1, cached), in-memory storage. It needs Java 21 or newer: the first `java`
# found of $ESM_REGISTRY_JAVA, $JAVA_HOME, PATH and /usr/lib/jvm/* that is.
#
#   scripts/schema_registry.sh start [RUN_DIR]  fetch (once), start, wait until it answers;
#                                               prints SCHEMA_REGISTRY_URL=http://127.0.0.1:PORT/apis/ccompat/v7
#   scripts/schema_registry.sh stop [RUN_DIR]   stop it and remove RUN_DIR
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${ESM_APICURIO_VERSION:-3.3.3}"
CACHE="${ESM_APICURIO_CACHE:-$HOME/.cache/esm-emulator/apicurio-$VERSION}"
RUN_DIR="${2:-/tmp/esm-schema-registry}"
BASE="https://repo1.maven.org/maven2/io/apicurio/apicurio-registry-app/$VERSION"
TARBALL="apicurio-registry-app-$VERSION-all.tar.gz"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

fetch() {
  if [ -f "$CACHE/.complete" ]; then return; fi
  rm -rf "$CACHE" && mkdir -p "$CACHE"
  curl -fsSL --retry 3 -o "$CACHE/$TARBALL" "$BASE/$TARBALL"
  want=$(curl -fsSL --retry 3 "$BASE/$TARBALL.sha1" | cut -c1-40)
  got=$(sha1sum "$CACHE/$TARBALL" | cut -c1-40)
  if [ "$want" != "$got" ]; then
    echo "schema_registry: $TARBALL SHA-1 $got, Maven Central says $want" >&2
    exit 1
  fi
  tar -xzf "$CACHE/$TARBALL" -C "$CACHE" && rm "$CACHE/$TARBALL"
  touch "$CACHE/.complete"
}

java_21() {
  local candidates=()
  [ -n "${ESM_REGISTRY_JAVA:-}" ] && candidates+=("$ESM_REGISTRY_JAVA")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for j in /usr/lib/jvm/*/bin/java; do [ -x "$j" ] && candidates+=("$j"); done
  for j in "${candidates[@]}"; do
    major=$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then echo "$j"; return; fi
  done
  echo "schema_registry: Apicurio Registry $VERSION needs Java 21 or newer; none found" >&2
  exit 1
}

start() {
  fetch
  local java port management url
  java=$(java_21)
  rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR"
  port=$(free_port)
  management=$(free_port)
  url="http://127.0.0.1:$port/apis/ccompat/v7"
  RUN_DIR=$(cd "$RUN_DIR" && pwd)
  cd "$RUN_DIR"  # Quarkus keeps its working files beside it
  # Loopback only, the management interface (health, metrics; fixed at build time) included.
  export QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_HOST=127.0.0.1 \
         QUARKUS_MANAGEMENT_PORT=$management QUARKUS_HTTP_ACCESS_LOG_ENABLED=false
  nohup "$java" -Xmx512m -jar "$CACHE/quarkus-run.jar" < /dev/null >> "$RUN_DIR/registry.log" 2>&1 &
  echo $! > "$RUN_DIR/pid"
  for _ in $(seq 1 120); do
    if curl -fs -o /dev/null "$url/subjects"; then
      echo "$url" > "$RUN_DIR/url"
      echo "SCHEMA_REGISTRY_URL=$url"
      return
    fi
    if ! kill -0 "$(cat "$RUN_DIR/pid")" 2>/dev/null; then break; fi
    sleep 0.5
  done
  echo "schema_registry: Apicurio did not answer; its log:" >&2
  tail -20 "$RUN_DIR/registry.log" >&2
  exit 1
}

stop() {
  if [ -f "$RUN_DIR/pid" ]; then
    pid=$(cat "$RUN_DIR/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$RUN_DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|stop|fetch [RUN_DIR]" >&2; exit 2 ;;
esac
