"""Error handling as AWS's provisioned mode does it (reference §8.7-8.9): retry limits, bisect,
partial batch responses, record age and the kafka:// on-failure destination. What the function
received is read from the sink; committed offsets and destination messages are read back from the
brokers with a Kafka client."""
import base64
import json
import os
import time
import uuid as uuidlib

import pytest

from confluent_kafka import Consumer, Producer

from conftest import Emulator, eventually
from test_filtering import committed

VPC = [{"Type": "VPC_SUBNET", "URI": "subnet:subnet-0123"}]
POLLERS = {"MinimumPollers": 1, "MaximumPollers": 1}


REAL_KAFKA = os.environ.get("ESM_REAL_KAFKA")


def start(tmp_path, kafka_port, sink, topics, extra=(), env=None):
    emu = Emulator(tmp_path, [f"--embedded-kafka=127.0.0.1:{kafka_port}",
                              *[a for t in topics for a in ("--embedded-kafka-topic", t)],
                              "--function", f"f={sink.url}", *extra], env=env)
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    emu.start()
    return emu


class Cluster:
    """Where a test's topics live: the emulator's embedded cluster, or the real broker (topics
    named per test there, as the broker outlives the test). t(name) is a topic's real name."""

    def __init__(self, kind, tmp_path, kafka_port, sink):
        self.kind, self.tmp_path, self.kafka_port, self.sink = kind, tmp_path, kafka_port, sink
        self.tag = uuidlib.uuid4().hex[:8]

    def t(self, name):
        return name if self.kind == "embedded" else f"{name}-{self.tag}"

    def start(self, topics, extra=(), env=None):
        if self.kind == "embedded":
            return start(self.tmp_path, self.kafka_port, self.sink, topics, extra, env)
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": REAL_KAFKA})  # held: its futures need the handle
        wanted = [NewTopic(self.t(t.split(":")[0]), num_partitions=int(t.split(":")[1]), replication_factor=1)
                  for t in topics]
        for f in admin.create_topics(wanted).values():
            f.result(30)
        emu = Emulator(self.tmp_path, ["--function", f"f={self.sink.url}", *extra], env=env)
        emu.kafka_bootstrap = REAL_KAFKA
        emu.start()
        return emu


@pytest.fixture(params=["embedded", pytest.param("real", marks=pytest.mark.skipif(
    not REAL_KAFKA, reason="no real broker (scripts/kafka.sh start; ESM_REAL_KAFKA)"))])
def cluster(request, tmp_path, kafka_port, function_sink):
    return Cluster(request.param, tmp_path, kafka_port, function_sink)


def produce(bootstrap, topic, items, partition=0):
    """items: values, or (key, value, timestamp_ms) tuples."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    for item in items:
        key, value, ts = item if isinstance(item, tuple) else (None, item, 0)
        p.produce(topic, key=key, value=value.encode(), partition=partition, timestamp=ts)
    assert p.flush(30) == 0


def create(client, emu, topic, **extra):
    params = {"FunctionName": "f", "Topics": [topic], "StartingPosition": "TRIM_HORIZON",
              "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [emu.kafka_bootstrap]}},
              "SourceAccessConfigurations": VPC, "ProvisionedPollerConfig": POLLERS,
              "MaximumBatchingWindowInSeconds": 1}
    params.update(extra)
    return client.call("CreateEventSourceMapping", **params)


def values(event, topic=None):
    """Per invocation: [(partition, offset, value)]."""
    out = []
    for key, records in event["records"].items():
        for r in records:
            if topic is None or r["topic"] == topic:
                out.append((r["partition"], r["offset"], base64.b64decode(r["value"]).decode()))
    return out


def offsets(sink, topic):
    return [[o for _, o, _ in values(e["event"], topic)] for e in sink.events
            if values(e["event"], topic)]


def read_topic(bootstrap, topic, count, timeout=30):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{time.monotonic_ns()}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    got = []
    deadline = time.monotonic() + timeout
    try:
        while len(got) < count and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append(m)
    finally:
        c.close()
    return got


def bad_value(event):
    return any(v.startswith("bad") for _, _, v in values(event))


def test_retry_limit_counts_retries_after_the_first_attempt(cluster, function_sink, clients_for):
    tp = cluster.t("tp")
    emu = cluster.start(["tp:1"])
    function_sink.fail = bad_value
    produce(emu.kafka_bootstrap, tp, ["bad"])
    m = create(clients_for(emu), emu, tp, MaximumRetryAttempts=2, BatchSize=1)
    # The first attempt and two retries, then passed over (no destination): the next record flows.
    eventually(lambda: len(function_sink.events) == 3, message="three attempts")
    produce(emu.kafka_bootstrap, tp, ["good"])
    eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], tp) == 2, message="commit past both")
    assert offsets(function_sink, tp) == [[0], [0], [0], [1]]
    assert "given up: no OnFailure destination, passed over" in emu.logs()
    emu.stop()


def test_bisect_narrows_a_failed_batch_down_to_the_bad_record(cluster, function_sink, clients_for):
    tp = cluster.t("tp")
    emu = cluster.start(["tp:1"])
    function_sink.fail = bad_value
    produce(emu.kafka_bootstrap, tp, ["ok0", "ok1", "ok2", "ok3", "ok4", "bad5", "ok6", "ok7"])
    m = create(clients_for(emu), emu, tp, MaximumRetryAttempts=0, BisectBatchOnFunctionError=True,
               BatchSize=8)
    eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], tp) == 8, message="commit past all")
    # Halves down to the bad record; splitting is not a retry, the lone bad record gets none.
    assert offsets(function_sink, tp) == [
        [0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3], [4, 5, 6, 7], [4, 5], [4], [5], [6, 7]]
    emu.stop()


def test_partial_batch_failures_retry_from_the_lowest_reported_offset(cluster, function_sink, clients_for):
    tp, plain_t, stray_t = cluster.t("tp"), cluster.t("plain"), cluster.t("stray")
    emu = cluster.start(["tp:2", "plain:1", "stray:1"])
    c = clients_for(emu)
    answered = set()

    def respond(event):
        recs = values(event, tp)
        if (0, 2) in [(p, o) for p, o, _ in recs] and "tp" not in answered:
            answered.add("tp")
            return json.dumps({"batchItemFailures": [
                {"itemIdentifier": {"partition": f"{tp}-0", "offset": 3}},
                {"itemIdentifier": {"partition": f"{tp}-0", "offset": 2}}]}).encode()
        if values(event, plain_t) and "plain" not in answered:
            answered.add("plain")
            return json.dumps({"batchItemFailures": [
                {"itemIdentifier": {"partition": f"{plain_t}-0", "offset": 0}}]}).encode()
        if values(event, stray_t) and "stray" not in answered:
            answered.add("stray")  # names a record the batch does not hold: the whole batch failed
            return json.dumps({"batchItemFailures": [
                {"itemIdentifier": {"partition": f"{stray_t}-0", "offset": 99}}]}).encode()
        return None

    function_sink.respond = respond
    for part in (0, 1):
        produce(emu.kafka_bootstrap, tp, [f"r{i}" for i in range(5)], partition=part)
    m = create(c, emu, tp, FunctionResponseTypes=["ReportBatchItemFailures"], BatchSize=10,
               MaximumRetryAttempts=3)
    eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], tp, 0) == 5, message="partition 0")
    assert committed(emu.kafka_bootstrap, m["UUID"], tp, 1) == 5
    per_partition = {}
    for e in function_sink.events:
        for p, o, _ in values(e["event"], tp):
            per_partition.setdefault(p, []).append(o)
    # Partition 0: everything once, then 2.. again; partition 1 once (it succeeded).
    assert per_partition[0] == [0, 1, 2, 3, 4, 2, 3, 4]
    assert per_partition[1] == [0, 1, 2, 3, 4]

    # The same answer from a mapping that did not ask for it: ignored, nothing re-sent.
    produce(emu.kafka_bootstrap, plain_t, ["p0", "p1"])
    plain = create(c, emu, plain_t, MaximumRetryAttempts=3)
    eventually(lambda: committed(emu.kafka_bootstrap, plain["UUID"], plain_t) == 2)
    assert offsets(function_sink, plain_t) == [[0, 1]]

    produce(emu.kafka_bootstrap, stray_t, ["s0", "s1"])
    stray = create(c, emu, stray_t, FunctionResponseTypes=["ReportBatchItemFailures"],
                   MaximumRetryAttempts=3)
    eventually(lambda: committed(emu.kafka_bootstrap, stray["UUID"], stray_t) == 2)
    assert offsets(function_sink, stray_t) == [[0, 1], [0, 1]]
    emu.stop()


def test_kafka_destination_gets_one_message_per_failed_record(cluster, function_sink, clients_for):
    src, dlq = cluster.t("src"), cluster.t("dlq")
    emu = cluster.start(["src:1", "dlq:1"])
    function_sink.fail = bad_value
    produce(emu.kafka_bootstrap, src, [(b"k1", "bad-a", 0), (None, "bad-b", 0), (b"k3", "fine", 0)])
    m = create(clients_for(emu), emu, src, MaximumRetryAttempts=1, BatchSize=10,
               DestinationConfig={"OnFailure": {"Destination": f"kafka://{dlq}"}})
    # The batch failed as a whole on both attempts: all three of its records are given up, the
    # one the function would have taken included, each with its own key.
    got = read_topic(emu.kafka_bootstrap, dlq, 3)
    assert len(got) == 3
    assert [g.key() for g in got] == [b"k1", None, b"k3"]
    docs = [json.loads(g.value()) for g in got]
    fn_arn = m["FunctionArn"]
    for doc, offset, value in zip(docs, (0, 1, 2), ("bad-a", "bad-b", "fine")):
        assert doc["requestContext"]["condition"] == "RetriesExhausted"
        assert doc["requestContext"]["functionArn"] == fn_arn
        assert doc["requestContext"]["approximateInvokeCount"] == 2
        assert doc["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                          "functionError": "Unhandled"}
        assert doc["version"] == "1.0"
        info = doc["KafkaBatchInfo"]
        assert info["batchSize"] == 1
        assert info["bootstrapServers"] == emu.kafka_bootstrap
        assert info["recordInfo"]["offset"] == str(offset)
        rec = doc["payload"]["records"][f"{src}-0"]
        assert len(rec) == 1 and rec[0]["offset"] == offset
        assert base64.b64decode(rec[0]["value"]).decode() == value
        assert info["payloadSize"] == len(json.dumps(doc["payload"], separators=(",", ":")))
    assert len(function_sink.events) == 2  # the first attempt and one retry
    eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], src) == 3)
    emu.stop()


def test_records_over_the_age_limit_are_not_sent(cluster, function_sink, clients_for):
    aged, old = cluster.t("aged"), cluster.t("old")
    emu = cluster.start(["aged:1", "old:1"])
    now_ms = int(time.time() * 1000)
    produce(emu.kafka_bootstrap, aged, [(b"a", "hour-old", now_ms - 3600_000), (b"b", "new", now_ms)])
    m = create(clients_for(emu), emu, aged, MaximumRecordAgeInSeconds=60,
               DestinationConfig={"OnFailure": {"Destination": f"kafka://{old}"}})
    eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], aged) == 2)
    assert [[v for _, _, v in values(e["event"])] for e in function_sink.events] == [["new"]]
    got = read_topic(emu.kafka_bootstrap, old, 1)
    doc = json.loads(got[0].value())
    assert got[0].key() == b"a"
    assert doc["requestContext"]["condition"] == "RecordAgeExceeded"
    assert doc["responseContext"] is None
    assert doc["requestContext"]["approximateInvokeCount"] == 0
    emu.stop()


@pytest.mark.skipif(not REAL_KAFKA, reason="no real broker (scripts/kafka.sh start; ESM_REAL_KAFKA)")
def test_kill_9_during_retries_every_record_is_delivered_or_in_the_destination(
        tmp_path, function_sink, clients_for):
    """On a real broker: killed while failing records are retried and written to kafka://, and
    restarted on the same data directory, every good record reached the function and every bad
    one is in the destination topic (duplicates allowed); the group ends committed past all."""
    from confluent_kafka.admin import AdminClient, NewTopic
    tag = uuidlib.uuid4().hex[:10]
    src, dlq = f"esm-src-{tag}", f"esm-dlq-{tag}"
    admin = AdminClient({"bootstrap.servers": REAL_KAFKA})  # held: its futures need the handle
    for f in admin.create_topics([NewTopic(t, num_partitions=1, replication_factor=1)
                                  for t in (src, dlq)]).values():
        f.result(30)
    emu = Emulator(tmp_path, ["--function", f"f={function_sink.url}"], data_dir=tmp_path / "data")
    emu.kafka_bootstrap = REAL_KAFKA
    emu.start()
    records = [f"bad{i}" if i % 20 == 7 else f"ok{i}" for i in range(200)]
    produce(REAL_KAFKA, src, records)
    function_sink.fail = bad_value
    function_sink.delay = 0.01
    m = create(clients_for(emu), emu, src, MaximumRetryAttempts=1, BatchSize=1,
               MaximumBatchingWindowInSeconds=0,
               DestinationConfig={"OnFailure": {"Destination": f"kafka://{dlq}"}})
    eventually(lambda: sum(1 for e in function_sink.events if e["failed"]) >= 3, timeout=60,
               message="some retries")
    emu.kill9()
    function_sink.delay = 0
    emu.start()
    good = {r for r in records if r.startswith("ok")}
    bad = {r for r in records if r.startswith("bad")}
    seen = lambda: {v for e in function_sink.events if not e["failed"] for _, _, v in values(e["event"])}
    eventually(lambda: good <= seen(), timeout=90, message="every good record delivered")
    assert eventually(lambda: committed(REAL_KAFKA, m["UUID"], src) == 200, timeout=60)
    docs = [json.loads(g.value()) for g in read_topic(REAL_KAFKA, dlq, 10_000, timeout=10)]  # all
    in_dlq = {base64.b64decode(d["payload"]["records"][f"{src}-0"][0]["value"]).decode() for d in docs}
    assert in_dlq == bad
    emu.stop()
