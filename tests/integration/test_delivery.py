"""The newcomer's loop end to end: kcat produces, the AWS CLI creates the mapping, the function
gets AWS's exact event, which an independent parser (AWS Lambda Powertools) accepts and decodes
to the produced bytes. Persistence across restart and kill -9."""
import base64
import json
import subprocess
import time

from aws_lambda_powertools.utilities.data_classes import KafkaEvent
from aws_lambda_powertools.utilities.parser.models import KafkaSelfManagedEventModel

from conftest import BINARY, Emulator, assert_no_sanitizer_report, eventually

VPC = [{"Type": "VPC_SUBNET", "URI": "subnet:subnet-0123"}]


def kcat_produce(bootstrap, topic, lines, extra=()):
    proc = subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "|", *extra],
                          input="\n".join(lines) + "\n", text=True, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def create(client, emulator, topic, **extra):
    params = {"FunctionName": "orders", "Topics": [topic],
              "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [emulator.kafka_bootstrap]}},
              "SourceAccessConfigurations": VPC, "MaximumBatchingWindowInSeconds": 0}
    params.update(extra)
    return client.call("CreateEventSourceMapping", **params)


def test_kcat_to_function_with_the_exact_event(emulator, clients, function_sink):
    kcat_produce(emulator.kafka_bootstrap, "orders", ["k1|hello", "k2|wörld"], ["-p", "0", "-H", "trace=abc", "-H", "trace=é"])
    kcat_produce(emulator.kafka_bootstrap, "orders", ["k3|"], ["-p", "1", "-Z"])  # a tombstone
    cli = clients["cli-v2"]
    created = create(cli, emulator, "orders")
    assert created["State"] == "Creating"
    eventually(lambda: len(function_sink.records()) == 3, message="3 records at the function")
    mapping = eventually(lambda: (m := cli.call("GetEventSourceMapping", UUID=created["UUID"]))["State"] == "Enabled" and m)
    assert eventually(lambda: cli.call("GetEventSourceMapping", UUID=created["UUID"])["LastProcessingResult"] == "OK")

    events = [e["event"] for e in function_sink.events]
    for event in events:
        assert event["eventSource"] == "SelfManagedKafka"
        assert event["bootstrapServers"] == emulator.kafka_bootstrap
        assert "eventSourceArn" not in event
    records = {(r["partition"], r["offset"]): r for r in function_sink.records()}
    first = records[(0, 0)]
    assert list(first.keys()) == ["topic", "partition", "offset", "timestamp", "timestampType", "key", "value", "headers"]
    assert base64.b64decode(first["key"]) == b"k1" and base64.b64decode(first["value"]) == b"hello"
    assert first["headers"] == [{"trace": [97, 98, 99]}, {"trace": [-61, -87]}]
    assert first["timestampType"] == "CREATE_TIME" and isinstance(first["timestamp"], int)
    assert base64.b64decode(records[(0, 1)]["value"]).decode() == "wörld"
    tombstone = records[(1, 0)]
    assert "value" not in tombstone and base64.b64decode(tombstone["key"]) == b"k3"

    # AWS Lambda Powertools reads the same events and decodes the produced bytes.
    decoded = []
    for event in events:
        for record in KafkaEvent(event).records:
            decoded.append((record.partition, record.offset, record.decoded_key,
                            record.decoded_value if record.get("value") is not None else None, record.decoded_headers))
        if all("value" in r for rs in event["records"].values() for r in rs):
            model = KafkaSelfManagedEventModel.model_validate(event)
            assert model.eventSource == "SelfManagedKafka"
    decoded.sort()
    assert decoded[0][:4] == (0, 0, b"k1", b"hello")
    assert decoded[1][:4] == (0, 1, b"k2", "wörld".encode())
    assert decoded[2][:4] == (1, 0, b"k3", None)
    assert decoded[0][4]["trace"] == "é".encode()


def test_restart_keeps_every_mapping_and_resumes_from_committed_offsets(tmp_path, kafka_port, function_sink, clients_for):
    emu = Emulator(tmp_path, [f"--embedded-kafka=127.0.0.1:{kafka_port}", "--embedded-kafka-topic", "orders:1",
                              "--function", f"orders={function_sink.url}"])
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    emu.start()
    c = clients_for(emu)
    live = create(c, emu, "orders", BatchSize=10)
    parked = create(c, emu, "parked", Enabled=False, Tags={"team": "core"})
    eventually(lambda: c.call("GetEventSourceMapping", UUID=live["UUID"])["State"] == "Enabled")
    eventually(lambda: c.call("GetEventSourceMapping", UUID=parked["UUID"])["State"] == "Disabled")
    before = {m["UUID"]: m for m in c.call("ListEventSourceMappings")["EventSourceMappings"]}
    assert emu.stop() == 0  # SIGTERM: clean exit

    emu.start()  # same data dir; the embedded Kafka is new and empty
    c = clients_for(emu)
    after = {m["UUID"]: m for m in c.call("ListEventSourceMappings")["EventSourceMappings"]}
    assert after.keys() == before.keys()
    for uuid, m in before.items():
        for key in ("FunctionArn", "Topics", "BatchSize", "SelfManagedEventSource", "SourceAccessConfigurations",
                    "StartingPosition", "EventSourceMappingArn", "SelfManagedKafkaEventSourceConfig", "LastModified"):
            assert after[uuid][key] == m[key], key
    assert c.call("ListTags", Resource=parked["EventSourceMappingArn"])["Tags"] == {"team": "core"}
    assert after[parked["UUID"]]["State"] == "Disabled"
    eventually(lambda: c.call("GetEventSourceMapping", UUID=live["UUID"])["State"] == "Enabled")
    kcat_produce(emu.kafka_bootstrap, "orders", ["a|after-restart"])
    eventually(lambda: any(base64.b64decode(r["value"]) == b"after-restart" for r in function_sink.records()))
    emu.stop()


def test_an_acknowledged_create_survives_kill_9(tmp_path, kafka_port, function_sink, clients_for):
    emu = Emulator(tmp_path, [f"--embedded-kafka=127.0.0.1:{kafka_port}", "--function", f"orders={function_sink.url}"])
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    emu.start()
    c = clients_for(emu)
    acknowledged = [create(c, emu, f"topic-{i}", Enabled=False)["UUID"] for i in range(5)]
    emu.kill9()
    emu.start()
    c = clients_for(emu)
    assert [m["UUID"] for m in c.call("ListEventSourceMappings")["EventSourceMappings"]] == acknowledged
    emu.stop()


def test_invoke_api_target_for_undeclared_functions(tmp_path, kafka_port, function_sink, clients_for):
    """--lambda-endpoint: POST URL/2015-03-31/functions/NAME/invocations?Qualifier=Q, RequestResponse."""
    base = function_sink.url.rsplit("/", 1)[0]
    emu = Emulator(tmp_path, [f"--embedded-kafka=127.0.0.1:{kafka_port}", "--embedded-kafka-topic", "inv:1",
                              "--lambda-endpoint", base])
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    emu.start()
    c = clients_for(emu)
    create(c, emu, "inv", FunctionName="arn:aws:lambda:us-east-1:000000000000:function:remote-fn:live")
    kcat_produce(emu.kafka_bootstrap, "inv", ["k|v"])
    eventually(lambda: len(function_sink.records()) == 1)
    assert function_sink.events[0]["path"] == "/2015-03-31/functions/remote-fn/invocations?Qualifier=live"
    emu.stop()


def test_keep_alive_function_connections_are_reused_and_a_restarted_server_costs_nothing(tmp_path, kafka_port, clients_for):
    """An HTTP/1.1 function gets batch after batch on one connection; when its server restarts
    (every open connection dropped), the next batches go on new connections: no failed
    invocation, no PROBLEM, no record twice."""
    from sinks import HttpSink
    sink = HttpSink(keep_alive=True)
    emu = Emulator(tmp_path, [f"--embedded-kafka=127.0.0.1:{kafka_port}", "--embedded-kafka-topic", "ka:1",
                              "--function", f"orders={sink.url}"])
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    emu.start()
    try:
        c = clients_for(emu)
        uuid = create(c, emu, "ka", BatchSize=1, StartingPosition="TRIM_HORIZON")["UUID"]
        values = []
        for round_ in range(12):
            if round_ == 6:
                assert sink.connections < 6, "one connection per batch: keep-alive not used"
                before = sink.connections
                sink.restart()
            values.append(f"v{round_}")
            kcat_produce(emu.kafka_bootstrap, "ka", [f"k|v{round_}"])
            eventually(lambda: len(sink.records()) == len(values), message=f"record {round_} delivered")
        assert sink.connections > before, "the restarted server was reached on a new connection"
        assert [base64.b64decode(r["value"]).decode() for r in sink.records(only_ok=False)] == values
        assert all(not e["failed"] for e in sink.events)
        assert eventually(lambda: c.call("GetEventSourceMapping", UUID=uuid)["LastProcessingResult"] == "OK")
        assert "function error" not in emu.logs() and "function unreachable" not in emu.logs()
    finally:
        emu.stop()
        sink.close()


def resume_deadline(seconds):
    """The resume times the sandbox promises, with room for the slower sanitizer builds."""
    return seconds * (3 if "build-" in str(BINARY) else 1)


def test_records_that_fill_an_event_go_at_once_not_at_the_window(emulator, clients, function_sink):
    """AWS invokes when the payload is full (reference §8.2): 4,200 records of 1 KiB do not fit in
    one 6 MB event, so the first batch goes at once, cut at the payload limit, and the rest waits
    for the window (30 s here). Before, a batch went only when base64 of the keys and values
    alone passed 6 MB (about 4,600 such records), so these waited the whole window."""
    value = "x" * 1024
    kcat_produce(emulator.kafka_bootstrap, "orders", [f"k{i}|{value}" for i in range(4200)], ["-p", "0"])
    c = clients["boto3"]
    uuid = create(c, emulator, "orders", BatchSize=10000, MaximumBatchingWindowInSeconds=30)["UUID"]
    eventually(lambda: function_sink.events, timeout=10, message="the first batch before the 30 s window")
    first = function_sink.events[0]
    count = sum(len(rs) for rs in first["event"]["records"].values())
    assert 3000 < count < 4200
    assert int(first["headers"]["Content-Length"]) <= 6291456
    c.call("DeleteEventSourceMapping", UUID=uuid)


def test_updates_and_re_enable_resume_at_once_on_the_embedded_cluster(tmp_path, kafka_port, function_sink, clients_for):
    """Issue 11: an Update or a disable/enable resumes delivery within 2 s on the embedded cluster
    (it used to wait ~45 s for the mock cluster's group session), nothing is delivered twice,
    and Enabled means the consumer holds its partitions. librdkafka's default session timeout."""
    emu = Emulator(tmp_path, [f"--embedded-kafka=127.0.0.1:{kafka_port}", "--embedded-kafka-topic", "orders:3",
                              "--function", f"orders={function_sink.url}"], default_kafka_properties=False)
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    emu.start()
    c = clients_for(emu)
    uuid = create(c, emu, "orders")["UUID"]
    eventually(lambda: c.call("GetEventSourceMapping", UUID=uuid)["State"] == "Enabled")
    # Enabled: the partitions are held, so a record produced now arrives without a group join.
    kcat_produce(emu.kafka_bootstrap, "orders", ["k|v0"])
    eventually(lambda: values(function_sink) == ["v0"], timeout=resume_deadline(2.0))

    def resumes(change, n):
        started = time.monotonic()
        change()
        kcat_produce(emu.kafka_bootstrap, "orders", [f"k|v{n}"])
        eventually(lambda: f"v{n}" in values(function_sink), timeout=resume_deadline(2.0),
                   message=f"v{n} delivered within 2 s")
        return time.monotonic() - started

    timings = []
    for n in range(1, 6):  # several Updates in a row
        timings.append(resumes(lambda: c.call("UpdateEventSourceMapping", UUID=uuid, BatchSize=10 + n), n))
        eventually(lambda: c.call("GetEventSourceMapping", UUID=uuid)["State"] == "Enabled")
    c.call("UpdateEventSourceMapping", UUID=uuid, Enabled=False)
    eventually(lambda: c.call("GetEventSourceMapping", UUID=uuid)["State"] == "Disabled")
    timings.append(resumes(lambda: c.call("UpdateEventSourceMapping", UUID=uuid, Enabled=True), 6))
    print("resume after update/re-enable (s):", [round(t, 2) for t in timings])
    assert values(function_sink) == [f"v{n}" for n in range(7)]  # each once, none lost
    got = eventually(lambda: (m := c.call("GetEventSourceMapping", UUID=uuid))["LastProcessingResult"] == "OK" and m)
    assert got["State"] == "Enabled"
    assert "Connection error" not in emu.logs()
    emu.stop()
    assert_no_sanitizer_report(emu)


def values(sink):
    return [base64.b64decode(r["value"]).decode() for r in sink.records()]
