#!/usr/bin/env bash
# A real Apache Kafka broker (KRaft, one node doing both roles) on loopback, for tests and
# benchmarks, without Docker: the jars come from Maven Central through `mvn` and are cached.
#
#   scripts/kafka.sh start [RUN_DIR]   fetch (once), format a fresh log dir, start, wait until it
#                                      serves; prints KAFKA_BOOTSTRAP=127.0.0.1:PORT (also in
#                                      RUN_DIR/bootstrap)
#   scripts/kafka.sh stop [RUN_DIR]    stop it cleanly (SIGTERM, then SIGKILL) and remove RUN_DIR
#   scripts/kafka.sh fetch             only fetch the jars
set -euo pipefail
cd "$(dirname "$0")/.."

KAFKA_VERSION="${ESM_KAFKA_VERSION:-4.1.1}"
CACHE="${ESM_KAFKA_CACHE:-$HOME/.cache/esm-emulator/kafka-$KAFKA_VERSION}"
RUN_DIR="${2:-${ESM_KAFKA_RUN:-/tmp/esm-kafka}}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

fetch() {
  if [ -f "$CACHE/.complete" ]; then return; fi
  mkdir -p "$CACHE"
  cat > "$CACHE/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>esm-emulator</groupId><artifactId>kafka-broker</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
  echo "kafka.sh: fetching Apache Kafka $KAFKA_VERSION from Maven Central into $CACHE" >&2
  mvn -q -B -f "$CACHE/pom.xml" dependency:copy-dependencies -DoutputDirectory="$CACHE/libs" >&2
  touch "$CACHE/.complete"
}

start() {
  fetch
  if [ -f "$RUN_DIR/pid" ] && kill -0 "$(cat "$RUN_DIR/pid")" 2>/dev/null; then
    echo "KAFKA_BOOTSTRAP=$(cat "$RUN_DIR/bootstrap")"
    return
  fi
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR/logs"
  local port controller
  port=$(free_port)
  controller=$(free_port)
  cat > "$RUN_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$RUN_DIR/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
message.max.bytes=10485760
replica.fetch.max.bytes=10485760
PROPS
  cat > "$RUN_DIR/log4j.properties" <<'LOG'
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG
  cat > "$RUN_DIR/log4j2.properties" <<'LOG'
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
LOG
  local java_opts=(-Xmx512m -Xms256m -XX:+UseG1GC -Djava.awt.headless=true -Dkafka.logs.dir="$RUN_DIR/logs"
                   -Dlog4j.configuration="file:$RUN_DIR/log4j.properties"
                   -Dlog4j2.configurationFile="$RUN_DIR/log4j2.properties")
  java "${java_opts[@]}" -cp "$CACHE/libs/*" kafka.tools.StorageTool format -t "$(python3 -c 'import uuid,base64;print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')" \
    -c "$RUN_DIR/server.properties" "${@}" > "$RUN_DIR/logs/format.log" 2>&1
  nohup java "${java_opts[@]}" -cp "$CACHE/libs/*" kafka.Kafka "$RUN_DIR/server.properties" \
    > "$RUN_DIR/logs/stdout.log" 2>&1 &
  echo $! > "$RUN_DIR/pid"
  echo "127.0.0.1:$port" > "$RUN_DIR/bootstrap"
  for _ in $(seq 1 240); do
    if kcat -L -b "127.0.0.1:$port" -m 2 >/dev/null 2>&1; then
      echo "KAFKA_BOOTSTRAP=127.0.0.1:$port"
      return
    fi
    if ! kill -0 "$(cat "$RUN_DIR/pid")" 2>/dev/null; then
      echo "kafka.sh: the broker exited; see $RUN_DIR/logs" >&2
      tail -20 "$RUN_DIR/logs/stdout.log" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  echo "kafka.sh: the broker did not serve within 120 s; see $RUN_DIR/logs" >&2
  exit 1
}

stop() {
  if [ -f "$RUN_DIR/pid" ]; then
    local pid
    pid=$(cat "$RUN_DIR/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$RUN_DIR"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: scripts/kafka.sh start|stop|fetch [RUN_DIR]" >&2; exit 2 ;;
esac
