"""Against a real Apache Kafka broker (scripts/kafka.sh; scripts/test.sh starts one and sets
ESM_REAL_KAFKA): consumer groups, committed offsets read back with an admin client, starting
positions including AT_TIMESTAMP (which the mock cluster cannot look up), many mappings on one
topic, topics created after the mapping, and leaving the group on delete."""
import json
import os
import time
import uuid as uuidlib

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from clients import make_clients
from conftest import Emulator, eventually

BOOTSTRAP = os.environ.get("ESM_REAL_KAFKA")
if not BOOTSTRAP and os.environ.get("CI"):
    raise RuntimeError("CI must run the real-broker tests: scripts/test.sh starts the broker")
pytestmark = pytest.mark.skipif(not BOOTSTRAP, reason="no real broker (run scripts/kafka.sh start and set ESM_REAL_KAFKA)")
VPC = [{"Type": "VPC_SUBNET", "URI": "subnet:subnet-0123"}]


@pytest.fixture
def admin():
    return AdminClient({"bootstrap.servers": BOOTSTRAP})


@pytest.fixture
def topic(admin):
    name = f"esm-{uuidlib.uuid4().hex[:12]}"
    admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)])[name].result(30)
    return name


@pytest.fixture
def real(tmp_path, function_sink):
    from sinks import HttpSink
    second = HttpSink()
    emu = Emulator(tmp_path, ["--function", f"orders={function_sink.url}", "--function", f"audit={second.url}",
                              "--function", f"broken={function_sink.url.replace('/invoke', '/broken')}"])
    emu.start()
    emu.second_sink = second
    emu.client = make_clients(emu.endpoint)["boto3"]
    yield emu
    emu.stop()
    second.close()


def produce(topic, values, partition=0, timestamps=None):
    p = Producer({"bootstrap.servers": BOOTSTRAP, "linger.ms": 0})
    for i, v in enumerate(values):
        kwargs = {"timestamp": timestamps[i]} if timestamps else {}
        p.produce(topic, value=v.encode(), partition=partition, **kwargs)
    assert p.flush(30) == 0


def create(emu, topic, function="orders", **extra):
    params = {"FunctionName": function, "Topics": [topic], "SourceAccessConfigurations": VPC,
              "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [BOOTSTRAP]}},
              "MaximumBatchingWindowInSeconds": 0}
    params.update(extra)
    return emu.client.call("CreateEventSourceMapping", **params)


def committed(group, topic, partitions=(0, 1)):
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": group, "enable.auto.commit": False})
    try:
        return {tp.partition: tp.offset for tp in c.committed([TopicPartition(topic, p) for p in partitions], timeout=30)}
    finally:
        c.close()


def values(sink, topic=None):
    import base64
    return [base64.b64decode(r["value"]).decode() for r in sink.records() if topic is None or r["topic"] == topic]


def test_trim_horizon_delivers_history_and_commits_per_partition(real, topic, function_sink):
    produce(topic, ["a0", "a1", "a2"], partition=0)
    produce(topic, ["b0"], partition=1)
    m = create(real, topic)
    eventually(lambda: sorted(values(function_sink)) == ["a0", "a1", "a2", "b0"], message="history delivered")
    assert eventually(lambda: committed(m["UUID"], topic) == {0: 3, 1: 1})
    assert eventually(lambda: (g := real.client.call("GetEventSourceMapping", UUID=m["UUID"]))["State"] == "Enabled"
                      and g["LastProcessingResult"] == "OK")


def test_failure_leaves_offsets_unchanged_and_other_partitions_flow(real, topic, function_sink):
    function_sink.fail = lambda event: f"{topic}-0" in event["records"]
    produce(topic, ["bad"], partition=0)
    produce(topic, ["good-1", "good-2"], partition=1)
    m = create(real, topic, BatchSize=1)
    assert eventually(lambda: committed(m["UUID"], topic).get(1) == 2, message="partition 1 committed")
    assert committed(m["UUID"], topic)[0] < 0  # nothing committed for the failing partition
    eventually(lambda: real.client.call("GetEventSourceMapping", UUID=m["UUID"])["LastProcessingResult"].startswith("PROBLEM:"))
    function_sink.fail = lambda event: False
    assert eventually(lambda: committed(m["UUID"], topic).get(0) == 1, message="partition 0 after healing")
    assert values(function_sink).count("bad") == 1  # delivered successfully exactly once


def test_latest_is_pinned_at_create(real, topic, function_sink):
    produce(topic, ["before"])
    m = create(real, topic, StartingPosition="LATEST")
    produce(topic, ["after"])  # the consumer has not joined yet
    eventually(lambda: values(function_sink) == ["after"], message="only the record after Create")
    assert eventually(lambda: committed(m["UUID"], topic).get(0) == 2)


def test_at_timestamp_on_the_real_broker(real, topic, function_sink):
    now_ms = int(time.time() * 1000)
    produce(topic, ["t-50", "t-40", "t-30", "t-20", "t-10"], timestamps=[now_ms - s * 1000 for s in (50, 40, 30, 20, 10)])
    create(real, topic, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=(now_ms - 25000) / 1000)
    eventually(lambda: values(function_sink) == ["t-20", "t-10"], message="records from the timestamp on")


def test_two_mappings_on_one_topic_each_get_every_record(real, topic, function_sink):
    a = create(real, topic, function="orders")
    b = create(real, topic, function="audit")
    assert a["SelfManagedKafkaEventSourceConfig"]["ConsumerGroupId"] != b["SelfManagedKafkaEventSourceConfig"]["ConsumerGroupId"]
    produce(topic, ["x", "y"], partition=1)
    eventually(lambda: values(function_sink) == ["x", "y"] and values(real.second_sink) == ["x", "y"])


def test_a_topic_created_after_the_mapping(real, admin, function_sink):
    name = f"esm-late-{uuidlib.uuid4().hex[:8]}"
    m = create(real, name)
    eventually(lambda: real.client.call("GetEventSourceMapping", UUID=m["UUID"])["State"] == "Enabled", timeout=60)
    admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])[name].result(30)
    produce(name, ["late"])
    eventually(lambda: values(function_sink) == ["late"], timeout=60)


def test_disable_and_delete_leave_the_group(real, admin, topic, function_sink):
    m = create(real, topic)
    group = m["UUID"]
    eventually(lambda: real.client.call("GetEventSourceMapping", UUID=group)["State"] == "Enabled")

    def members():
        return len(admin.describe_consumer_groups([group])[group].result(30).members)

    assert eventually(lambda: members() == 1)
    real.client.call("UpdateEventSourceMapping", UUID=group, Enabled=False)
    eventually(lambda: real.client.call("GetEventSourceMapping", UUID=group)["State"] == "Disabled")
    assert members() == 0
    produce(topic, ["while-disabled"])
    real.client.call("UpdateEventSourceMapping", UUID=group, Enabled=True)
    eventually(lambda: values(function_sink) == ["while-disabled"], message="resumed without loss")
    real.client.call("DeleteEventSourceMapping", UUID=group)
    eventually(lambda: members() == 0)


def test_a_record_over_the_payload_limit_is_skipped_and_reported(real, topic, function_sink):
    p = Producer({"bootstrap.servers": BOOTSTRAP, "linger.ms": 0, "message.max.bytes": 10485760})
    p.produce(topic, value=b"h" * (5 * 1024 * 1024), partition=0)  # 7 MB as base64: can never be sent
    p.produce(topic, value=b"small", partition=0)
    assert p.flush(30) == 0
    m = create(real, topic)
    eventually(lambda: values(function_sink) == ["small"], message="the record after the oversized one")
    assert eventually(lambda: committed(m["UUID"], topic).get(0) == 2)
    assert "over the 6291456-byte payload limit; skipped" in real.logs()
    assert real.client.call("GetEventSourceMapping", UUID=m["UUID"])["State"] == "Enabled"
    assert all(len(json.dumps(e["event"])) <= 6291456 for e in function_sink.events)


def test_kill_9_mid_stream_resumes_with_at_least_once_delivery(tmp_path, topic, function_sink):
    produce(topic, [f"p0-{i:03d}" for i in range(40)], partition=0)
    produce(topic, [f"p1-{i:03d}" for i in range(40)], partition=1)
    function_sink.delay = 0.2
    emu = Emulator(tmp_path, ["--function", f"orders={function_sink.url}"])
    emu.start()
    emu.client = make_clients(emu.endpoint)["boto3"]
    m = create(emu, topic, BatchSize=5)
    eventually(lambda: len(values(function_sink)) >= 15, message="a part delivered")
    emu.kill9()  # with a batch in flight
    emu.start()
    emu.client = make_clients(emu.endpoint)["boto3"]
    expected = {f"p{p}-{i:03d}" for p in (0, 1) for i in range(40)}
    eventually(lambda: set(values(function_sink)) == expected, timeout=60, message="every record at least once")
    got = values(function_sink)
    for p in ("p0-", "p1-"):
        firsts = []
        for v in got:
            if v.startswith(p) and v not in firsts:
                firsts.append(v)
        assert firsts == sorted(firsts), "first deliveries keep partition order"
    assert eventually(lambda: committed(m["UUID"], topic) == {0: 40, 1: 40})
    emu.stop()
