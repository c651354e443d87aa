"""Faults while records stream, against the real broker (scripts/test.sh starts it): the broker
stopped and started again, and a function that answers 500, hangs past its timeout, answers
slowly or refuses connections. Throughout: the mapping stays Enabled and says what is wrong,
each partition's trouble holds back only that partition, recovery needs no manual step, and
every record acknowledged by the broker reaches the function, first deliveries in order."""
import base64
import os
import subprocess
import threading
import uuid as uuidlib

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from clients import make_clients
from conftest import ROOT, Emulator, assert_no_sanitizer_report, eventually

BOOTSTRAP = os.environ.get("ESM_REAL_KAFKA")
KAFKA_DIR = os.environ.get("ESM_REAL_KAFKA_DIR")
if not (BOOTSTRAP and KAFKA_DIR) and os.environ.get("CI"):
    raise RuntimeError("CI must run the fault tests: scripts/test.sh starts the broker")
pytestmark = pytest.mark.skipif(not (BOOTSTRAP and KAFKA_DIR),
                                reason="no real broker (scripts/kafka.sh start; set ESM_REAL_KAFKA and ESM_REAL_KAFKA_DIR)")
PARTITIONS = 4
BROKER_PROBLEM = "PROBLEM: Connection error. Please check your event source connection configuration."
FUNCTION_UNREACHABLE = "PROBLEM: Connection error. The function endpoint could not be reached."


class Stream:
    """Produces "partition:seq" records round the partitions until stopped; keeps the ones the
    broker acknowledged (records produced during an outage wait in the producer and count once
    acknowledged)."""

    def __init__(self, topic, per_second=100):
        self.topic = topic
        self.acked = set()
        self.failed = 0
        self.stop_event = threading.Event()
        self.producer = Producer({"bootstrap.servers": BOOTSTRAP, "linger.ms": 5, "enable.idempotence": True,
                                  "message.timeout.ms": 180000, "reconnect.backoff.max.ms": 1000})
        self.interval = 1.0 / per_second
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _delivered(self, err, msg):
        if err is None:
            self.acked.add(msg.value().decode())
        else:
            self.failed += 1

    def _run(self):
        seq = [0] * PARTITIONS
        i = 0
        while not self.stop_event.wait(self.interval) and i < 100000:
            p = i % PARTITIONS
            self.producer.produce(self.topic, value=f"{p}:{seq[p]}".encode(), partition=p,
                                  on_delivery=self._delivered)
            seq[p] += 1
            i += 1
            self.producer.poll(0)

    def finish(self):
        self.stop_event.set()
        self.thread.join(30)
        assert self.producer.flush(120) == 0, "the producer could not deliver everything"
        assert self.failed == 0


def delivered(sink):
    """Record values from successful invocations, in the order the function got them."""
    return [base64.b64decode(r["value"]).decode() for r in sink.records()]


def ok_count(sink, partition):
    return sum(1 for v in delivered(sink) if v.startswith(f"{partition}:"))


def assert_complete_and_ordered(sink, acked, allow_duplicates):
    """Every acknowledged record delivered; per partition, first deliveries in offset order with
    no gap (offsets, not produce order: a producer retrying through an outage may reorder)."""
    got = delivered(sink)
    assert acked <= set(got), f"{len(acked - set(got))} acknowledged record(s) never delivered"
    if not allow_duplicates:
        assert len(got) == len(set(got)), "a record acknowledged by the function was sent again"
    offsets = [(r["partition"], r["offset"]) for r in sink.records()]
    for p in range(PARTITIONS):
        firsts, seen = [], set()
        for partition, offset in offsets:
            if partition == p and offset not in seen:
                seen.add(offset)
                firsts.append(offset)
        assert firsts == list(range(len(firsts))), f"partition {p}: first deliveries out of order or with a gap"


@pytest.fixture
def setup(tmp_path, function_sink):
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    topic = f"faults-{uuidlib.uuid4().hex[:10]}"
    admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])[topic].result(30)
    emu = Emulator(tmp_path, ["--function", f"faulty={function_sink.url},timeout=2"])
    emu.start()
    client = make_clients(emu.endpoint)["boto3"]
    m = client.call("CreateEventSourceMapping", FunctionName="faulty", Topics=[topic], BatchSize=20,
                    MaximumBatchingWindowInSeconds=0, StartingPosition="TRIM_HORIZON",
                    SourceAccessConfigurations=[{"Type": "VPC_SUBNET", "URI": "subnet:subnet-0123"}],
                    SelfManagedEventSource={"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [BOOTSTRAP]}})
    get = lambda: client.call("GetEventSourceMapping", UUID=m["UUID"])  # noqa: E731
    stream = Stream(topic)
    yield emu, get, stream
    stream.stop_event.set()
    emu.stop()
    assert_no_sanitizer_report(emu)


def progress(sink, partitions, more=15, timeout=60, message="progress"):
    """Waits until each of `partitions` has `more` successful deliveries than now."""
    start = {p: ok_count(sink, p) for p in partitions}
    eventually(lambda: all(ok_count(sink, p) >= start[p] + more for p in partitions),
               timeout=timeout, message=message)


def test_function_faults_hold_back_only_their_partition_and_heal_without_loss(setup, function_sink):
    emu, get, stream = setup
    sink = function_sink
    progress(sink, range(PARTITIONS), more=5, message="every partition flowing")

    # 500 for any event carrying partition 1: the others flow, partition 1 gets nowhere.
    sink.fail = lambda event: any(key.endswith("-1") for key in event["records"])
    stuck = ok_count(sink, 1)
    progress(sink, [0, 2, 3], message="other partitions while partition 1 fails")
    assert ok_count(sink, 1) == stuck
    assert any(e["failed"] for e in sink.events), "the failing partition was retried"
    sink.fail = lambda event: False
    progress(sink, [1], message="partition 1 after the function heals")

    # Partition 2's invocations hang past the 2 s timeout: the same isolation.
    sink.hang_seconds = 4.0
    sink.hang = lambda event: any(key.endswith("-2") for key in event["records"])
    stuck = ok_count(sink, 2)
    progress(sink, [0, 1, 3], message="other partitions while partition 2 times out")
    assert ok_count(sink, 2) == stuck
    assert get()["State"] == "Enabled"
    sink.hang = lambda event: False
    progress(sink, [2], message="partition 2 after the hangs end")

    # Slow answers (within the timeout): delivery goes on.
    sink.delay = 0.3
    progress(sink, range(PARTITIONS), more=5, message="progress with a slow function")
    sink.delay = 0.0

    # The endpoint refuses connections: reported as such, then OK once it listens again.
    sink.refuse()
    eventually(lambda: get()["LastProcessingResult"] == FUNCTION_UNREACHABLE, timeout=30,
               message="function unreachable reported")
    assert get()["State"] == "Enabled"
    sink.serve()
    eventually(lambda: get()["LastProcessingResult"] == "OK", timeout=30, message="OK again")
    progress(sink, range(PARTITIONS), more=5, message="every partition after the endpoint returns")

    stream.finish()
    eventually(lambda: stream.acked <= set(delivered(sink)), timeout=60, message="every record delivered")
    # The function acknowledged each record once; only unacknowledged batches were sent again.
    assert_complete_and_ordered(sink, stream.acked, allow_duplicates=False)
    final = get()
    assert final["State"] == "Enabled" and final["LastProcessingResult"] == "OK"


def kafka_sh(command):
    subprocess.run([str(ROOT / "scripts" / "kafka.sh"), command, KAFKA_DIR], check=True,
                   capture_output=True, timeout=180)


@pytest.mark.serial
def test_broker_stopped_and_started_mid_stream_reports_then_recovers_without_loss(setup, function_sink):
    emu, get, stream = setup
    progress(function_sink, range(PARTITIONS), more=5, message="every partition flowing")
    kafka_sh("down")
    try:
        eventually(lambda: get()["LastProcessingResult"] == BROKER_PROBLEM, timeout=60,
                   message="the connection problem reported")
        assert get()["State"] == "Enabled"
        during = len(delivered(function_sink))
    finally:
        kafka_sh("up")
    eventually(lambda: get()["LastProcessingResult"] == "OK", timeout=90, message="OK after the broker returns")
    eventually(lambda: len(delivered(function_sink)) > during + 20, timeout=60, message="new records flow")
    stream.finish()
    eventually(lambda: stream.acked <= set(delivered(function_sink)), timeout=90, message="every record delivered")
    # Commits sent while the broker was away may be lost: re-delivery is allowed, loss is not.
    assert_complete_and_ordered(function_sink, stream.acked, allow_duplicates=True)
    final = get()
    assert final["State"] == "Enabled" and final["LastProcessingResult"] == "OK"
    assert "broker connection restored" in emu.logs()
