#!/usr/bin/env bash
# A real Apache Kafka broker (KRaft, one node doing both roles) on loopback, for tests and
# benchmarks, without Docker: the jars come from Maven Central through `mvn` and are cached.
#
#   scripts/kafka.sh start [RUN_DIR]   fetch (once), make fresh certificates, format a fresh log
#                                      dir, start, wait until it serves, create the ACLs; prints
#                                      KAFKA_BOOTSTRAP=127.0.0.1:PORT (also in RUN_DIR/bootstrap)
#                                      and writes RUN_DIR/secure.json (see below)
#   scripts/kafka.sh stop [RUN_DIR]    stop it cleanly (SIGTERM, then SIGKILL) and remove RUN_DIR
#   scripts/kafka.sh down [RUN_DIR]    stop the broker process and keep RUN_DIR (a broker outage)
#   scripts/kafka.sh up [RUN_DIR]      start it again after `down`: same ports, data, users, ACLs
#   scripts/kafka.sh fetch             only fetch the jars
#
# Besides plaintext (whose clients, as ANONYMOUS, are super users: the rest of the suite is not
# touched by the authorizer), the broker serves
#   - a SASL_SSL listener with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 users,
#   - an SSL listener that requires a client certificate (principal = the certificate's CN),
#   - a TLS listener (SSL, no client authentication: encryption only; ANONYMOUS like plaintext),
#   - StandardAuthorizer ACLs: every user below may read topics and groups whose names start
#     with "secure-", and nothing else.
# Certificates are made fresh per start by openssl under RUN_DIR/tls: a CA, the broker's (for
# 127.0.0.1 and localhost), a client's (CN esm-client, also as an encrypted PKCS#8 key), and a
# client certificate from another CA that the broker does not trust. RUN_DIR/secure.json lists
# listeners, users, passwords and files for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# 3.9.1, not 4.x: Kafka 4 checks the SCRAM nonce strictly (RFC 5802) and librdkafka before
# 2.6.1 (Debian 12 ships 2.0.2) builds the final SCRAM message in a way 4.x rejects, so SCRAM
# users could never log in to a 4.x broker from this build (confluentinc/librdkafka#4895).
KAFKA_VERSION="${ESM_KAFKA_VERSION:-3.9.1}"
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

# The test PKI: CA, broker, trusted client (plain and encrypted key), untrusted client.
make_certs() {
  local d=$1
  mkdir -p "$d"
  (
    cd "$d"
    local q=(-sha256 -days 2)
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem "${q[@]}" -subj "/CN=esm-test-ca" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue-ca.key -out rogue-ca.pem "${q[@]}" -subj "/CN=esm-rogue-ca" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > broker.ext
    openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=localhost" 2>/dev/null
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out broker.pem "${q[@]}" -extfile broker.ext 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=esm-client" 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem "${q[@]}" 2>/dev/null
    openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in client.key -out client-encrypted.key -passout pass:esm-key-pass
    openssl req -newkey rsa:2048 -nodes -keyout rogue-client.key -out rogue-client.csr -subj "/CN=esm-client" 2>/dev/null
    openssl x509 -req -in rogue-client.csr -CA rogue-ca.pem -CAkey rogue-ca.key -CAcreateserial -out rogue-client.pem "${q[@]}" 2>/dev/null
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker -out broker.p12 -passout pass:broker-pass
    rm -f truststore.p12
    keytool -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 -storetype PKCS12 -storepass trust-pass >/dev/null 2>&1
    chmod 600 ./*.key
  )
}

start() {
  fetch
  if [ -f "$RUN_DIR/pid" ] && kill -0 "$(cat "$RUN_DIR/pid")" 2>/dev/null; then
    echo "KAFKA_BOOTSTRAP=$(cat "$RUN_DIR/bootstrap")"
    return
  fi
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR/logs"
  local port controller sasl_port ssl_port tls_port tls="$RUN_DIR/tls"
  port=$(free_port)
  controller=$(free_port)
  sasl_port=$(free_port)
  ssl_port=$(free_port)
  tls_port=$(free_port)
  make_certs "$tls"
  cat > "$RUN_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
# A starved machine (tests in parallel under TSan) delayed the broker's heartbeats to its own
# controller past the 9 s default and it fenced itself ("All brokers are currently fenced").
broker.session.timeout.ms=60000
listeners=PLAINTEXT://127.0.0.1:$port,SASL_SSL://127.0.0.1:$sasl_port,SSL://127.0.0.1:$ssl_port,TLS://127.0.0.1:$tls_port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_SSL://127.0.0.1:$sasl_port,SSL://127.0.0.1:$ssl_port,TLS://127.0.0.1:$tls_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,TLS:SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls/broker.p12
ssl.keystore.password=broker-pass
ssl.key.password=broker-pass
ssl.truststore.type=PKCS12
ssl.truststore.location=$tls/truststore.p12
ssl.truststore.password=trust-pass
listener.name.ssl.ssl.client.auth=required
listener.name.sasl_ssl.ssl.client.auth=none
listener.name.tls.ssl.client.auth=none
ssl.principal.mapping.rules=RULE:^CN=([^,]+).*\$/\$1/,DEFAULT
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_plain-user="plain-pass";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS
allow.everyone.if.no.acl.found=false
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
  # A cluster id is 16 random bytes in URL-safe base64; one that starts with '-' would be read as
  # an option (1 in 64 runs failed so), so draw again, as Kafka's own Uuid.randomUuid() does.
  local cluster_id
  cluster_id="$(python3 -c 'import uuid,base64
for _ in range(1000):
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"):
        print(s)
        break')"
  java -Xmx256m -Dkafka.logs.dir="$RUN_DIR/logs" -Dlog4j2.configurationFile="$RUN_DIR/log4j2.properties" -cp "$CACHE/libs/*" kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$RUN_DIR/server.properties" \
    --add-scram 'SCRAM-SHA-256=[name="scram256-user",password="scram256-pass"]' \
    --add-scram 'SCRAM-SHA-512=[name="scram512-user",password="scram512-pass"]' \
    > "$RUN_DIR/logs/format.log" 2>&1
  echo "127.0.0.1:$port" > "$RUN_DIR/bootstrap"
  launch
  write_secure_json "$RUN_DIR" "$port" "$sasl_port" "$ssl_port" "$tls_port"
  grant_acls "127.0.0.1:$port"
  echo "KAFKA_BOOTSTRAP=127.0.0.1:$port"
}

# Runs the broker of RUN_DIR (formatted, configured) and waits until it serves.
launch() {
  local java_opts=(-Xmx512m -Xms256m -XX:+UseG1GC -Djava.awt.headless=true -Dkafka.logs.dir="$RUN_DIR/logs"
                   -Dlog4j.configuration="file:$RUN_DIR/log4j.properties"
                   -Dlog4j2.configurationFile="$RUN_DIR/log4j2.properties")
  local bootstrap
  bootstrap=$(cat "$RUN_DIR/bootstrap")
  nohup java "${java_opts[@]}" -cp "$CACHE/libs/*" kafka.Kafka "$RUN_DIR/server.properties" \
    >> "$RUN_DIR/logs/stdout.log" 2>&1 &
  echo $! > "$RUN_DIR/pid"
  for _ in $(seq 1 240); do
    if kcat -L -b "$bootstrap" -m 2 >/dev/null 2>&1; then
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

# Stops the broker process (SIGTERM, then SIGKILL after 30 s) and keeps RUN_DIR.
halt() {
  if [ -f "$RUN_DIR/pid" ]; then
    local pid
    pid=$(cat "$RUN_DIR/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$RUN_DIR/pid"
  fi
}

# Starts the stopped broker of RUN_DIR again: same ports, data, users, ACLs and certificates.
up() {
  [ -f "$RUN_DIR/server.properties" ] || { echo "kafka.sh: no broker in $RUN_DIR; use start" >&2; exit 1; }
  if [ -f "$RUN_DIR/pid" ] && kill -0 "$(cat "$RUN_DIR/pid")" 2>/dev/null; then
    return
  fi
  launch
}

write_secure_json() {
  local dir=$1
  cat > "$dir/secure.json" <<JSON
{
  "plaintext": "127.0.0.1:$2",
  "sasl_ssl": "127.0.0.1:$3",
  "ssl": "127.0.0.1:$4",
  "tls": "127.0.0.1:$5",
  "users": {
    "PLAIN": ["plain-user", "plain-pass"],
    "SCRAM-SHA-256": ["scram256-user", "scram256-pass"],
    "SCRAM-SHA-512": ["scram512-user", "scram512-pass"]
  },
  "client_principal": "esm-client",
  "allowed_prefix": "secure-",
  "tls_dir": "$dir/tls",
  "client_key_password": "esm-key-pass"
}
JSON
}

# ACLs through the plaintext listener (ANONYMOUS is a super user): each user may read and
# describe topics and groups prefixed "secure-". Kafka's own AclCommand from the fetched jars,
# so nothing but Java is needed (no Python client).
grant_acls() {
  local args=(--bootstrap-server "$1" --add --resource-pattern-type prefixed
              --topic secure- --group secure- --operation Read --operation Describe)
  for user in plain-user scram256-user scram512-user esm-client; do
    args+=(--allow-principal "User:$user")
  done
  java -Xmx128m -Dkafka.logs.dir="$RUN_DIR/logs" -Dlog4j.configuration="file:$RUN_DIR/log4j.properties" \
    -cp "$CACHE/libs/*" kafka.admin.AclCommand "${args[@]}" >"$RUN_DIR/logs/acls.log" 2>&1 \
    || { echo "kafka.sh: granting the ACLs failed, see $RUN_DIR/logs/acls.log" >&2; return 1; }
}

stop() {
  halt
  rm -rf "$RUN_DIR"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  down) halt ;;
  up) up ;;
  *) echo "usage: scripts/kafka.sh start|stop|down|up|fetch [RUN_DIR]" >&2; exit 2 ;;
esac
