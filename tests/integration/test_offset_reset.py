"""Issue 14 §2: PUT /_esm/mappings/{UUID}/offsets sets where a Disabled mapping's consumer group
resumes (Kafka's admin API), on the embedded cluster and on the real broker; refused while the
mapping runs, and bad bodies change nothing."""
import json
import time
import urllib.error
import urllib.request

from conftest import eventually
from test_error_handling import cluster, create, offsets, produce  # noqa: F401 (cluster: a fixture)
from confluent_kafka import KafkaException
from test_filtering import committed as committed_once


def committed(bootstrap, group, topic, partition=0):
    """The group's offset, or None while a fresh broker's coordinator is not ready yet."""
    try:
        return committed_once(bootstrap, group, topic, partition)
    except KafkaException:
        return None


def put_offsets(emu, uuid, body):
    req = urllib.request.Request(f"{emu.endpoint}/_esm/mappings/{uuid}/offsets", method="PUT",
                                 data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        # As the Lambda API answers: the error type in a header, the text under message/Message.
        body = json.loads(e.read())
        return e.code, {"type": e.headers["X-Amzn-ErrorType"].split(":")[0],
                        "message": body.get("message", body.get("Message"))}


def disable(c, uuid):
    c.call("UpdateEventSourceMapping", UUID=uuid, Enabled=False)
    eventually(lambda: c.call("GetEventSourceMapping", UUID=uuid)["State"] == "Disabled", message="Disabled")


def enable(c, uuid):
    c.call("UpdateEventSourceMapping", UUID=uuid, Enabled=True)


def test_a_disabled_mapping_resumes_where_its_offsets_were_reset(cluster, function_sink, clients_for):
    topic = cluster.t("rs")
    emu = cluster.start(["rs:2"])
    c = clients_for(emu)
    old = int(time.time() * 1000) - 3600_000
    produce(emu.kafka_bootstrap, topic, [("k", "old", old), ("k", "new1", 0), ("k", "new2", 0)])
    produce(emu.kafka_bootstrap, topic, ["p1"], partition=1)
    m = create(c, emu, topic, BatchSize=10)
    eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], topic) == 3, message="all delivered")
    # While it runs: refused, and nothing moves.
    status, body = put_offsets(emu, m["UUID"], {"Position": "TRIM_HORIZON"})
    assert status == 409 and body["type"] == "ResourceConflictException", body
    assert "must be Disabled" in body["message"] and "Enabled" in body["message"]
    disable(c, m["UUID"])
    # Bad bodies name the member and set nothing.
    for bad, needle in (({}, "exactly one of Position or Offsets"), ({"Position": "EARLIEST"}, "Position"),
                        ({"Position": "AT_TIMESTAMP"}, "Timestamp"),
                        ({"Offsets": [{"Partition": 0, "Offset": 99}]}, "outside partition 0's range 0 to 3"),
                        ({"Offsets": [{"Partition": 7, "Offset": 0}]}, "no partition 7"),
                        ({"Position": "LATEST", "Extra": 1}, "Unknown member Extra")):
        status, body = put_offsets(emu, m["UUID"], bad)
        assert status == 400 and body["type"] == "InvalidParameterValueException", (bad, body)
        assert needle in body["message"], (bad, body)
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], topic)) == 3
    # An hour-old record and two new ones: AT_TIMESTAMP ten minutes ago sets partition 0 to 1
    # and partition 1 (one new record) to 0.
    status, body = put_offsets(emu, m["UUID"], {"Position": "AT_TIMESTAMP", "Timestamp": time.time() - 600})
    assert status == 200, body
    assert body["ConsumerGroupId"] == m["UUID"] and body["Topic"] == topic
    assert body["Partitions"] == [{"Partition": 0, "Offset": 1}, {"Partition": 1, "Offset": 0}]
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], topic)) == 1
    function_sink.events.clear()
    enable(c, m["UUID"])
    eventually(lambda: sorted(o for batch in offsets(function_sink, topic) for o in batch) == [0, 1, 2],
               message="partition 0 from offset 1 and partition 1 from 0 again")
    # Explicit offsets move only the partitions named.
    disable(c, m["UUID"])
    status, body = put_offsets(emu, m["UUID"], {"Offsets": [{"Partition": 0, "Offset": 2}]})
    assert status == 200 and body["Partitions"] == [{"Partition": 0, "Offset": 2}], body
    function_sink.events.clear()
    enable(c, m["UUID"])
    eventually(lambda: offsets(function_sink, topic) == [[2]], message="only offset 2 again")
    status, body = put_offsets(emu, "00000000-0000-0000-0000-000000000000", {"Position": "LATEST"})
    assert status == 404 and body["type"] == "ResourceNotFoundException"
    emu.stop()
