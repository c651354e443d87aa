"""FilterCriteria performed as Lambda does for Kafka (reference §8.10): only records whose value
matches one of the patterns reach the function; the others are committed past without an
invocation. Committed offsets are read back from the brokers with a Kafka client."""
import base64
import json
import os
import uuid as uuidlib

import pytest

from confluent_kafka import Consumer, Producer, TopicPartition

from conftest import Emulator, eventually

REAL_KAFKA = os.environ.get("ESM_REAL_KAFKA")
VPC = [{"Type": "VPC_SUBNET", "URI": "subnet:subnet-0123"}]
ORDERS = {"Filters": [{"Pattern": json.dumps({"value": {"type": ["order"]}})}]}
REFUNDS = {"Filters": [{"Pattern": json.dumps({"value": {"type": ["refund"]}})}]}


def produce(bootstrap, topic, values, partition=0):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    for v in values:
        p.produce(topic, value=None if v is None else v.encode(), partition=partition)
    assert p.flush(30) == 0


def committed(bootstrap, group, topic, partition=0):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        return c.committed([TopicPartition(topic, partition)], timeout=30)[0].offset
    finally:
        c.close()


def create(client, emulator, topic, **extra):
    params = {"FunctionName": "orders", "Topics": [topic],
              "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [emulator.kafka_bootstrap]}},
              "SourceAccessConfigurations": VPC, "MaximumBatchingWindowInSeconds": 0,
              "StartingPosition": "TRIM_HORIZON"}
    params.update(extra)
    return client.call("CreateEventSourceMapping", **params)


def delivered(sink, topic):
    return [base64.b64decode(r["value"]).decode() if "value" in r else None
            for r in sink.records() if r["topic"] == topic]


def filtered_emulator(tmp_path, kafka_port, sink, topics, data_dir=None):
    emu = Emulator(tmp_path, [f"--embedded-kafka=127.0.0.1:{kafka_port}",
                              *[a for t in topics for a in ("--embedded-kafka-topic", f"{t}:1")],
                              "--function", f"orders={sink.url}"], data_dir=data_dir)
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    return emu


def test_only_matching_records_reach_the_function_and_the_rest_are_committed(
        tmp_path, kafka_port, function_sink, clients_for):
    emu = filtered_emulator(tmp_path, kafka_port, function_sink, ["events", "text"])
    emu.start()
    c = clients_for(emu)
    values = ['{"type":"order","n":1}', '{"type":"refund","n":2}', '{"type":"order","n":3}', "hello"]
    produce(emu.kafka_bootstrap, "events", values)
    m = create(c, emu, "events", FilterCriteria=ORDERS)
    eventually(lambda: len(delivered(function_sink, "events")) == 2, message="the two orders")
    assert delivered(function_sink, "events") == [values[0], values[2]]
    # The last record (offset 3) did not match: the commit still goes past it.
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], "events") == 4)

    # A stretch that matches nothing commits without any invocation.
    invocations = len(function_sink.events)
    produce(emu.kafka_bootstrap, "events", ['{"type":"refund"}'] * 50 + ["plain text", None])
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], "events") == 56)
    assert len(function_sink.events) == invocations

    # A plain-text pattern applies to the whole value; tombstones and JSON have no text to match.
    text = create(c, emu, "text", FilterCriteria={"Filters": [
        {"Pattern": json.dumps({"value": [{"prefix": "ERROR"}]})},
        {"Pattern": json.dumps({"value": [{"anything-but": ["ERROR: ignore me"]}, "never"]})}]})
    produce(emu.kafka_bootstrap, "text", ["ERROR: disk", "info: fine", "ERROR: ignore me", None])
    eventually(lambda: len(delivered(function_sink, "text")) == 3)
    assert eventually(lambda: committed(emu.kafka_bootstrap, text["UUID"], "text") == 4)
    assert delivered(function_sink, "text") == ["ERROR: disk", "info: fine", "ERROR: ignore me"]
    emu.stop()


def test_a_filter_update_applies_to_every_record_not_yet_delivered(
        tmp_path, kafka_port, function_sink, clients_for):
    emu = filtered_emulator(tmp_path, kafka_port, function_sink, ["events"])
    emu.start()
    c = clients_for(emu)
    m = create(c, emu, "events", FilterCriteria=ORDERS)
    produce(emu.kafka_bootstrap, "events", ['{"type":"order","n":1}'])
    eventually(lambda: delivered(function_sink, "events") == ['{"type":"order","n":1}'])
    # The function fails now: the next order is polled and tried, but not delivered.
    function_sink.fail = lambda event: True
    produce(emu.kafka_bootstrap, "events", ['{"type":"order","n":2}', '{"type":"refund","n":3}'])
    eventually(lambda: len(function_sink.records(only_ok=False)) >= 2, message="the failing attempt")
    eventually(lambda: c.call("GetEventSourceMapping", UUID=m["UUID"])["State"] == "Enabled")
    c.call("UpdateEventSourceMapping", UUID=m["UUID"], FilterCriteria=REFUNDS)
    function_sink.fail = lambda event: False
    eventually(lambda: '{"type":"refund","n":3}' in delivered(function_sink, "events"), message="the refund")
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], "events") == 3)
    # The order that had not been delivered when the filter changed is filtered out by the new one.
    assert delivered(function_sink, "events") == ['{"type":"order","n":1}', '{"type":"refund","n":3}']

    # Removing the filter (FilterCriteria {}) lets everything through again.
    eventually(lambda: c.call("GetEventSourceMapping", UUID=m["UUID"])["State"] == "Enabled")
    c.call("UpdateEventSourceMapping", UUID=m["UUID"], FilterCriteria={})
    produce(emu.kafka_bootstrap, "events", ["anything"])
    eventually(lambda: delivered(function_sink, "events")[-1:] == ["anything"])
    emu.stop()


@pytest.mark.skipif(not REAL_KAFKA, reason="no real broker (scripts/kafka.sh start; ESM_REAL_KAFKA)")
def test_kill_9_mid_stream_never_resurrects_a_filtered_record_nor_loses_a_matching_one(
        tmp_path, function_sink, clients_for):
    """On a real broker (the group's offsets outlive the emulator): killed mid-stream and
    restarted on the same data directory, every order arrives, no refund ever does, and the
    group ends committed past every record."""
    from confluent_kafka.admin import AdminClient, NewTopic
    topic = f"esm-filter-{uuidlib.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": REAL_KAFKA})  # held: its futures need the handle
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(30)
    emu = Emulator(tmp_path, ["--function", f"orders={function_sink.url}"], data_dir=tmp_path / "data")
    emu.kafka_bootstrap = REAL_KAFKA
    emu.start()
    c = clients_for(emu)
    values = [json.dumps({"type": "order" if i % 10 == 0 else "refund", "n": i}) for i in range(3000)]
    produce(REAL_KAFKA, topic, values)
    function_sink.delay = 0.02
    m = create(c, emu, topic, FilterCriteria=ORDERS, BatchSize=5)
    eventually(lambda: len(delivered(function_sink, topic)) >= 20, message="some orders delivered")
    emu.kill9()
    function_sink.delay = 0
    emu.start()
    want = {v for v in values if '"order"' in v}
    eventually(lambda: want <= set(delivered(function_sink, topic)), timeout=60,
               message="every order after the restart")
    assert eventually(lambda: committed(REAL_KAFKA, m["UUID"], topic) == 3000)
    assert all('"order"' in v for v in delivered(function_sink, topic))
    emu.stop()


def test_a_kms_key_hides_the_filter_from_list_but_not_from_get(emulator, clients):
    c = clients["boto3"]
    m = create(c, emulator, "orders", FilterCriteria=ORDERS,
               KMSKeyArn="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert c.call("GetEventSourceMapping", UUID=m["UUID"])["FilterCriteria"] == ORDERS
    listed = next(x for x in c.call("ListEventSourceMappings")["EventSourceMappings"] if x["UUID"] == m["UUID"])
    assert listed.get("FilterCriteria") is None


def test_a_condition_on_another_field_than_value_is_named_in_a_warning(emulator, clients):
    c = clients["boto3"]
    m = create(c, emulator, "orders", FilterCriteria={"Filters": [
        {"Pattern": json.dumps({"key": ["k1"], "value": {"type": ["order"]}})}]})
    warning = eventually(lambda: [l for l in emulator.logs().splitlines()
                                  if m["UUID"] in l and 'FilterCriteria names "key"' in l])
    assert 'filtered on "value" only' in warning[0]
    ok = create(c, emulator, "other-topic", FilterCriteria=ORDERS)
    assert not [l for l in emulator.logs().splitlines() if ok["UUID"] in l and "FilterCriteria names" in l]
