"""scripts/bench: measures esm-emulator side by side with its limits in one run and prints a
table; the figures also go to a JSON file. Loopback only; every loop is bounded."""
import argparse
import base64
import http.client
import http.server
import io
import json
import os
import pathlib
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid as uuidlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
BINARY = pathlib.Path(os.environ.get("ESM_BENCH_BINARY", str(ROOT / "build" / "server" / "esm-emulator")))
RAW = ROOT / "build" / "tests" / "esm-raw-consumer"
SINK = ROOT / "build" / "tests" / "esm-function-sink"
sys.path.insert(0, str(ROOT / "tests" / "integration"))

import boto3  # noqa: E402
import botocore.config  # noqa: E402
from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

VPC = [{"Type": "VPC_SUBNET", "URI": "subnet:subnet-bench"}]
EXTRA_ARGS = os.environ.get("ESM_BENCH_ARGS", "").split()
GOALS = {
    "throughput_ratio_batch_1000": 0.5,
    "filter_scan_ratio": 0.8,
    "partial_failures_ratio": 0.5,
    "schema_avro_json_ratio": 0.5,
    "latency_p50_ms": 5.0,
    "latency_p99_ms": 20.0,
    "get_requests_per_second": 20000,
    "many_mappings_enabled_seconds": 30,
    "scrape_500_mappings_8_partitions_ms": 50,
    "many_mappings_rss_mib": 1024,
    "many_mappings_idle_cpu_percent": 2.0,
    "runtime_added_p50_ms": 1.0,
    "runtime_added_p99_ms": 5.0,
    "runtime_throughput_ratio": 0.5,
    "embedded_create_first_event_ms": 500,
    "embedded_update_next_event_ms": 2000,
}


def free_port():
    """A free loopback port below the ephemeral range, so that no outgoing connection takes it
    before the emulator binds it (as tests/integration/conftest.py picks them)."""
    for _ in range(1000):
        port = random.randint(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free loopback port in 20000-32000")


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


class CountingSink:
    """A function that acknowledges at once and counts records (and, optionally, latencies)."""

    def __init__(self, decode_latency=False):
        self.records = 0
        self.last_ack = None
        self.latencies_ms = []
        self.lock = threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                now = time.time_ns()
                n = body.count(b'"offset":')
                lat = []
                if decode_latency:
                    for rs in json.loads(body)["records"].values():
                        lat.extend((now - int(base64.b64decode(r["value"]))) / 1e6 for r in rs)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with sink.lock:
                    sink.records += n
                    sink.last_ack = time.monotonic()
                    sink.latencies_ms.extend(lat)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self):
        with self.lock:
            return self.records

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class CompiledSink:
    """tests/bench/function_sink.cpp: a function that does nearly nothing per record, so that the
    emulator is what is measured. With fail_mod (M, R) it reports, through batchItemFailures, the
    first record of each partition group whose offset is R mod M and that it has not failed
    before (with report_all, every such record of the event); count() is then the records done
    (per partition, those before the lowest reported offset), else the records received."""

    def __init__(self, fail_mod=None, report_all=False):
        args = ["--fail-mod", *map(str, fail_mod), *(["--report-all"] if report_all else [])] if fail_mod else []
        self.proc = subprocess.Popen([str(SINK), *args], stdout=subprocess.PIPE)
        port = int(self.proc.stdout.readline().decode().split("listening on ")[1])
        self.url = f"http://127.0.0.1:{port}/"
        self.port = port
        self.stats_connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.fail_mod = fail_mod

    def stats(self):
        try:
            self.stats_connection.request("GET", "/stats")
            return json.loads(self.stats_connection.getresponse().read())
        except (http.client.HTTPException, ConnectionError):
            # Seen once in many runs: the connection gone while the sink lives on. Ask again on a
            # new one; a sink that died says so.
            if self.proc.poll() is not None:
                raise RuntimeError(f"the function sink exited with status {self.proc.returncode}")
            self.stats_connection.close()
            self.stats_connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.stats_connection.request("GET", "/stats")
            return json.loads(self.stats_connection.getresponse().read())

    def count(self):
        s = self.stats()
        return s["done"] if self.fail_mod else s["records"]

    @property
    def last_ack(self):
        return self.stats()["last_ack_ns"] / 1e9

    def close(self):
        self.stats_connection.close()
        self.proc.kill()
        self.proc.wait()


class Emulator:
    def __init__(self, functions, extra=(), log_level="warn", env=None, binary=None):
        extra = [*extra, *EXTRA_ARGS]
        self.data = tempfile.mkdtemp(prefix="esm-bench-")
        args = [str(binary or BINARY), "--listen", "127.0.0.1:0", "--data-dir", self.data, "--log-level", log_level,
                *([] if "--http-threads" in extra else ["--http-threads", "2"]), *extra]
        for name, url in functions.items():
            args += ["--function", f"{name}={url}"]
        self.log = open(os.path.join(self.data, "emulator.log"), "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, env=dict(os.environ, **(env or {})))
        line = self.proc.stdout.readline().decode()
        if "listening on" not in line:
            raise RuntimeError(f"emulator did not start: {line}")
        self.endpoint = line.strip().split("listening on ")[1]
        self.client = boto3.client("lambda", endpoint_url=self.endpoint, region_name="us-east-1",
                                   aws_access_key_id="bench", aws_secret_access_key="bench",
                                   config=botocore.config.Config(retries={"max_attempts": 1},
                                                                 max_pool_connections=32))

    def status(self, key):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def own_cpu_seconds(self):
        """CPU seconds of the emulator's own threads: all but librdkafka's (named rdk:...)."""
        total = 0
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                stat = open(f"/proc/{self.proc.pid}/task/{tid}/stat").read()
            except FileNotFoundError:
                continue  # the thread ended meanwhile
            name, rest = stat.split("(", 1)[1].rsplit(")", 1)
            if not name.startswith("rdk:"):
                fields = rest.split()
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self):
        peak = self.status("VmHWM") / 1024
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        return peak


def create_topic(bootstrap, partitions):
    name = f"bench-{uuidlib.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])[name].result(60)
    return name


def produce_values(bootstrap, topic, count, value_of):
    """`count` records, value_of(i) for record i, over 8 partitions, as fast as the producer takes them."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.size": 1000000,
                  "queue.buffering.max.messages": 2000000, "compression.type": "none", "acks": 1})
    for i in range(count):
        value = value_of(i)
        while True:
            try:
                p.produce(topic, value=value, partition=i % 8)
                break
            except BufferError:
                p.poll(0.05)
        if i % 100000 == 0:
            p.poll(0)
    assert p.flush(120) == 0


def produce_bulk(bootstrap, topic, count, size):
    value = os.urandom(size)
    produce_values(bootstrap, topic, count, lambda i: value)


def mapping(bootstrap, topic, function="sink", **extra):
    params = {"FunctionName": function, "Topics": [topic], "SourceAccessConfigurations": VPC,
              "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [bootstrap]}}}
    params.update(extra)
    return params


def deliver_all(bootstrap, topic, count, batch, binary=None, **mapping_extra):
    """Seconds from Create until the function (the compiled sink) has every record, the
    emulator's peak RSS, and the steady rate: records/s between the moments the function had 5 %
    and 95 % of them, without the start (group join, first fetch) and the tail (the last batches
    of a topic wait out the 500 ms batching window, as on AWS, when they are neither BatchSize
    records nor a full payload); and the CPU seconds the emulator used (a figure less noisy than
    the rates for comparing two builds). `mapping_extra`: more of the mapping's parameters."""
    sink = CompiledSink()
    emu = Emulator({"sink": sink.url}, binary=binary)
    start = time.monotonic()
    emu.client.create_event_source_mapping(**mapping(bootstrap, topic, BatchSize=batch, **mapping_extra))
    samples = []  # (seconds, records at the function)
    deadline = start + 600
    while (not samples or samples[-1][1] < count) and time.monotonic() < deadline:
        samples.append((time.monotonic(), sink.count()))
        time.sleep(0.02)  # each look is a request the sink answers: often enough to load the machine
    if samples[-1][1] < count:
        raise RuntimeError(f"timed out waiting for {count} records at the function")
    seconds = sink.last_ack - start
    cpu = emu.cpu_seconds()
    peak = emu.stop()
    sink.close()
    t05, c05 = next(s for s in samples if s[1] >= count * 0.05)
    t95, c95 = next(s for s in samples if s[1] >= count * 0.95)
    steady = (c95 - c05) / (t95 - t05) if t95 > t05 else count / seconds
    return seconds, peak, steady, cpu


RAW_VARIANTS = {"consumer queue": [], "partition queues": ["--per-partition"]}


def raw_consumer(bootstrap, topic, count):
    """The fastest of the raw consumer's variants (tests/bench/raw_consumer.cpp: every partition
    assigned from the start, batch consumption from the consumer queue or from each partition's
    queue; larger fetch sizes were slower here), each variant's figures kept."""
    variants = {}
    for name, extra in RAW_VARIANTS.items():
        variants[name] = json.loads(subprocess.run([str(RAW), bootstrap, topic, "8", str(count), *extra],
                                                   capture_output=True, text=True, timeout=600, check=True).stdout)
    best = max(variants.values(), key=lambda v: v["records_per_second"])
    return dict(best, variants={k: v["records_per_second"] for k, v in variants.items()})


def bench_throughput(bootstrap, count, size, batch_sizes, baseline=None):
    """Delivery next to the raw consumer; with `baseline` (another esm-emulator binary), that one
    too, right before, on the same topic."""
    topic = create_topic(bootstrap, 8)
    produce_bulk(bootstrap, topic, count, size)
    raw = raw_consumer(bootstrap, topic, count)
    rows = []
    for batch in batch_sizes:
        before = deliver_all(bootstrap, topic, count, batch, binary=baseline)[0] if baseline else None
        seconds, peak, steady, _ = deliver_all(bootstrap, topic, count, batch)
        rps = count / seconds
        row = {"records": count, "record_bytes": size, "batch_size": batch, "seconds": round(seconds, 3),
               "records_per_second": round(rps), "raw_records_per_second": raw["records_per_second"],
               "ratio": round(rps / raw["records_per_second"], 3),
               "raw_variants": raw["variants"], "steady_records_per_second": round(steady),
               "raw_steady_records_per_second": raw["steady_records_per_second"],
               "steady_ratio": round(steady / raw["steady_records_per_second"], 3), "peak_rss_mib": round(peak, 1)}
        if before:
            row["baseline_records_per_second"] = round(count / before)
            row["ratio_to_baseline"] = round(before / seconds, 3)
        rows.append(row)
    return rows


def bench_partial_failures(bootstrap, count):
    """Delivered records/s when the function reports 1 % of records failed through
    batchItemFailures, next to the same function reporting none, same topic, BatchSize 1000. Two
    such functions: one that stops at its first failure in each partition (the goal's row), one
    that processes every record and lists all that failed."""
    topic = create_topic(bootstrap, 8)
    produce_bulk(bootstrap, topic, count, 100)
    runs = {}
    kinds = {"all_success": (False, False), "one_percent_failed": (True, False),
             "one_percent_failed_all_reported": (True, True)}
    for name, (fail, report_all) in kinds.items():
        sink = CompiledSink((100, 37) if fail else None, report_all)
        emu = Emulator({"sink": sink.url})
        start = time.monotonic()
        emu.client.create_event_source_mapping(**mapping(
            bootstrap, topic, BatchSize=1000, FunctionResponseTypes=["ReportBatchItemFailures"],
            ProvisionedPollerConfig={"MinimumPollers": 1, "MaximumPollers": 2}))
        wait_for(lambda: sink.count() >= count, 600, f"{count} records done at the function")
        runs[name] = count / (sink.last_ack - start)
        failed = sink.stats()["failed"]
        emu.stop()
        sink.close()
        if fail and failed != count // 100:
            raise RuntimeError(f"{failed} records reported failed, expected {count // 100}")
    return {"records": count, "record_bytes": 100, "batch_size": 1000,
            "all_success_records_per_second": round(runs["all_success"]),
            "one_percent_failed_records_per_second": round(runs["one_percent_failed"]),
            "ratio": round(runs["one_percent_failed"] / runs["all_success"], 3),
            "all_reported_records_per_second": round(runs["one_percent_failed_all_reported"]),
            "all_reported_ratio": round(runs["one_percent_failed_all_reported"] / runs["all_success"], 3)}


def callgrind_instructions(bootstrap, topic, count, batch, binary):
    """Instructions the emulator's process (every thread, librdkafka's too) executes from start to
    exit while it delivers `count` records of `topic` to the compiled sink, under callgrind."""
    work = tempfile.mkdtemp(prefix="esm-bench-callgrind-")
    out = os.path.join(work, "callgrind.out")
    wrapper = os.path.join(work, "emulator.sh")
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file={out} "
                f"{binary or BINARY} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    sink = CompiledSink()
    emu = Emulator({"sink": sink.url}, binary=wrapper)
    emu.client.create_event_source_mapping(**mapping(bootstrap, topic, BatchSize=batch))
    wait_for(lambda: sink.count() >= count, 600, f"{count} records at the function under callgrind")
    emu.stop()
    sink.close()
    totals = next(line for line in open(out) if line.startswith(("totals:", "summary:")))
    return int(totals.split()[1])


def bench_instructions(bootstrap, baseline=None):
    """Instructions per delivered record (100 B records, BatchSize 1000 and 10000): the difference
    between delivering 100,000 records and 20,000 under callgrind, divided by 80,000, so that
    start-up, the group join and exit cancel out. With `baseline`, that binary too. Needs
    valgrind; not in the default set (it takes a few minutes)."""
    small, large = create_topic(bootstrap, 8), create_topic(bootstrap, 8)
    produce_bulk(bootstrap, small, 20000, 100)
    produce_bulk(bootstrap, large, 100000, 100)
    rows = []
    for batch in (1000, 10000):
        row = {"record_bytes": 100, "batch_size": batch}
        for name, binary in (("baseline", baseline), ("emulator", None)):
            if name == "baseline" and not baseline:
                continue
            few = callgrind_instructions(bootstrap, small, 20000, batch, binary)
            many = callgrind_instructions(bootstrap, large, 100000, batch, binary)
            row[f"{name}_instructions_per_record"] = round((many - few) / 80000)
        rows.append(row)
    return rows


FILTER = {"value": {"type": ["order"], "region": [{"prefix": "eu-"}], "amount": [{"numeric": [">", 100]}]}}


def produce_filter_topic(bootstrap, topic, count):
    """~100 B JSON records; one in ten (i % 10 == 9, the last one included) matches FILTER on all
    three fields, the others fail on at least one."""
    def value_of(i):
        match = i % 10 == 9
        return json.dumps({"type": "order" if match or i % 3 else "refund",
                           "region": "eu-west-1" if match or i % 2 else "us-east-1",
                           "amount": 150 if match else 50 + i % 40, "id": i, "note": "x" * 20}).encode()
    produce_values(bootstrap, topic, count, value_of)


def bench_filter(bootstrap, count):
    """Records scanned per second with a 3-field filter matching 10 %, next to the raw consumer."""
    topic = create_topic(bootstrap, 8)
    produce_filter_topic(bootstrap, topic, count)
    raw = json.loads(subprocess.run([str(RAW), bootstrap, topic, "8", str(count)], capture_output=True,
                                    text=True, timeout=600, check=True).stdout)
    sink = CountingSink()
    emu = Emulator({"sink": sink.url})
    start = time.monotonic()
    emu.client.create_event_source_mapping(**mapping(bootstrap, topic, BatchSize=1000,
                                                     FilterCriteria={"Filters": [{"Pattern": json.dumps(FILTER)}]}))
    wait_for(lambda: sink.count() >= count // 10, 600, f"{count // 10} matching records at the function")
    seconds = sink.last_ack - start
    peak = emu.stop()
    sink.close()
    if sink.count() != count // 10:
        raise RuntimeError(f"{sink.count()} records reached the function, {count // 10} match")
    rps = count / seconds
    return {"records": count, "matching": count // 10, "seconds": round(seconds, 3),
            "scanned_per_second": round(rps), "raw_records_per_second": raw["records_per_second"],
            "ratio": round(rps / raw["records_per_second"], 3), "peak_rss_mib": round(peak, 1)}


SCHEMA_ORDER = json.dumps({"type": "record", "name": "Order", "namespace": "bench", "fields": [
    {"name": "id", "type": "long"}, {"name": "customer", "type": "string"},
    {"name": "region", "type": "string"}, {"name": "amount", "type": "double"},
    {"name": "note", "type": ["null", "string"], "default": None}]})


def bench_schema(bootstrap, count, baseline=None):
    """Records/s delivered decoded from Avro (~100 B, Confluent framing, a real registry:
    scripts/schema_registry.sh) to JSON, next to the raw consumer reading the same topic (and,
    with `baseline`, another esm-emulator binary right before this one)."""
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    run_dir = tempfile.mkdtemp(prefix="esm-bench-registry-")
    out = subprocess.run([str(ROOT / "scripts" / "schema_registry.sh"), "start", run_dir],
                         capture_output=True, text=True, check=True).stdout
    url = out.strip().split("SCHEMA_REGISTRY_URL=")[1]
    try:
        topic = create_topic(bootstrap, 8)
        ser = AvroSerializer(SchemaRegistryClient({"url": url, "timeout": 10}), SCHEMA_ORDER)
        ctx = SerializationContext(topic, MessageField.VALUE)
        template = {"customer": "customer-0042", "region": "eu-west-1", "amount": 123.45,
                    "note": "deliver to the back door, ring twice please"}
        sample = ser({**template, "id": 0}, ctx)
        prefix = sample[:5]  # one schema: its framing, then each record's Avro body
        from fastavro import parse_schema, schemaless_writer
        parsed = parse_schema(json.loads(SCHEMA_ORDER))

        def value_of(i):
            body = io.BytesIO()
            schemaless_writer(body, parsed, {**template, "id": i})
            return prefix + body.getvalue()
        produce_values(bootstrap, topic, count, value_of)

        def decode_all(binary=None):
            return deliver_all(
                bootstrap, topic, count, 1000, binary=binary,
                ProvisionedPollerConfig={"MinimumPollers": 1, "MaximumPollers": 2},
                SelfManagedKafkaEventSourceConfig={"SchemaRegistryConfig": {
                    "SchemaRegistryURI": url, "EventRecordFormat": "JSON",
                    "SchemaValidationConfigs": [{"Attribute": "VALUE"}]}})
        raw = raw_consumer(bootstrap, topic, count)
        before = decode_all(baseline) if baseline else None
        seconds, peak, steady, cpu = decode_all()
    finally:
        subprocess.run([str(ROOT / "scripts" / "schema_registry.sh"), "stop", run_dir], capture_output=True)
    rps = count / seconds
    out = {"records": count, "record_bytes": len(value_of(0)), "batch_size": 1000,
           "seconds": round(seconds, 3), "records_per_second": round(rps),
           "raw_records_per_second": raw["records_per_second"],
           "ratio": round(rps / raw["records_per_second"], 3), "steady_records_per_second": round(steady),
           "raw_steady_records_per_second": raw["steady_records_per_second"],
           "steady_ratio": round(steady / raw["steady_records_per_second"], 3), "peak_rss_mib": round(peak, 1),
           "emulator_cpu_seconds": round(cpu, 2)}
    if before:
        out["baseline_records_per_second"] = round(count / before[0])
        out["ratio_to_baseline"] = round(before[0] / seconds, 3)
        out["baseline_cpu_seconds"] = round(before[3], 2)
    return out


def bench_latency(bootstrap, duration, embedded=False):
    """Produce-to-invoke latency on the real broker, or (embedded) on the emulator's own
    --embedded-kafka cluster (librdkafka's mock cluster)."""
    sink = CountingSink(decode_latency=True)
    if embedded:
        bootstrap = f"127.0.0.1:{free_port()}"
        topic = "latency"
        emu = Emulator({"sink": sink.url}, extra=[f"--embedded-kafka={bootstrap}", "--embedded-kafka-topic", f"{topic}:1"])
    else:
        topic = create_topic(bootstrap, 1)
        emu = Emulator({"sink": sink.url})
    uuid = emu.client.create_event_source_mapping(
        **mapping(bootstrap, topic, BatchSize=1, MaximumBatchingWindowInSeconds=0, StartingPosition="LATEST"))["UUID"]
    wait_for(lambda: emu.client.get_event_source_mapping(UUID=uuid)["State"] == "Enabled", 60, "Enabled")
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "acks": 1})
    # One record first, outside the measurement: connections and metadata warm up.
    p.produce(topic, value=str(time.time_ns()).encode(), partition=0)
    p.flush(30)
    wait_for(lambda: sink.count() >= 1, 60, "the warm-up record")
    with sink.lock:
        sink.records = 0
        sink.latencies_ms.clear()
    sent = 0
    next_at = time.monotonic()
    end = next_at + duration
    while time.monotonic() < end:
        p.produce(topic, value=str(time.time_ns()).encode(), partition=0)
        p.poll(0)
        sent += 1
        next_at += 0.010
        time.sleep(max(0.0, next_at - time.monotonic()))
    p.flush(30)
    wait_for(lambda: sink.count() >= sent, 60, "every latency record")
    peak = emu.stop()
    sink.close()
    lat = sorted(sink.latencies_ms)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    return {"records": len(lat), "p50_ms": round(pct(0.50), 2), "p99_ms": round(pct(0.99), 2),
            "max_ms": round(lat[-1], 2), "peak_rss_mib": round(peak, 1)}


def first_event_seconds(sink, start, before, what):
    """Seconds from `start` until the function has more than `before` records."""
    wait_for(lambda: sink.count() > before, 60, what)
    return sink.last_ack - start


def bench_startup(bootstrap, rounds):
    """Create -> first event at the function, and Update -> the next event (a record produced
    right after the Update), on the emulator's --embedded-kafka cluster and (create only) on the
    real broker, where the consumer joins a group first; `rounds` mappings each, medians and maxima."""
    sink = CountingSink()
    embedded = f"127.0.0.1:{free_port()}"
    emu = Emulator({"sink": sink.url}, extra=[f"--embedded-kafka={embedded}",
                                              *[a for i in range(rounds) for a in ("--embedded-kafka-topic", f"start-{i}:1")]])
    p = Producer({"bootstrap.servers": embedded, "linger.ms": 0, "acks": 1})
    real = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "acks": 1})
    created, updated, created_real = [], [], []
    for i in range(rounds):
        p.produce(f"start-{i}", value=b"first", partition=0)
        p.flush(30)
        before = sink.count()
        start = time.monotonic()
        uuid = emu.client.create_event_source_mapping(**mapping(embedded, f"start-{i}", BatchSize=1))["UUID"]
        created.append(first_event_seconds(sink, start, before, "the first event (embedded)"))
        wait_for(lambda: emu.client.get_event_source_mapping(UUID=uuid)["State"] == "Enabled", 60, "Enabled")
        before = sink.count()
        start = time.monotonic()
        emu.client.update_event_source_mapping(UUID=uuid, BatchSize=2)
        p.produce(f"start-{i}", value=b"next", partition=0)
        p.flush(30)
        updated.append(first_event_seconds(sink, start, before, "the event after an Update (embedded)"))
        topic = create_topic(bootstrap, 1)
        real.produce(topic, value=b"first", partition=0)
        real.flush(30)
        before = sink.count()
        start = time.monotonic()
        emu.client.create_event_source_mapping(**mapping(bootstrap, topic, BatchSize=1))
        created_real.append(first_event_seconds(sink, start, before, "the first event (real broker)"))
    emu.stop()
    sink.close()
    ms = lambda values: {"median_ms": round(statistics.median(values) * 1000), "max_ms": round(max(values) * 1000)}  # noqa: E731
    return {"rounds": rounds, "embedded_create_first_event": ms(created),
            "embedded_update_next_event": ms(updated), "real_broker_create_first_event": ms(created_real)}


def go_runtime_handler():
    """tests/integration/runtimes/go (AWS's aws-lambda-go; without OUT_DIR it only counts) built
    with the machine's Go: an empty compiled handler behind the Runtime API."""
    out = pathlib.Path(tempfile.mkdtemp(prefix="esm-bench-go-")) / "handler"
    subprocess.run(["go", "build", "-o", str(out), "."], cwd=ROOT / "tests" / "integration" / "runtimes" / "go",
                   check=True, timeout=600, env=dict(os.environ, CGO_ENABLED="0"))
    return out


def invoke_latencies_ms(endpoint, name, count):
    """Round trips of the Invoke API (RequestResponse, payload {}) on one keep-alive connection."""
    host, port = endpoint.split("//")[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    out = []
    for _ in range(count):
        start = time.perf_counter()
        conn.request("POST", f"/2015-03-31/functions/{name}/invocations", b"{}", {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        if r.status != 200 or r.getheader("X-Amz-Function-Error"):
            raise RuntimeError(f"invoke {name}: {r.status} {r.getheader('X-Amz-Function-Error')}")
        out.append((time.perf_counter() - start) * 1000)
    conn.close()
    return out


def percentile(values, q):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def bench_runtime(bootstrap, invocations, records):
    """runtime: functions (issue 15): an empty Go handler behind the Runtime API next to an HTTP
    target (the counting sink), through the Invoke API warm and cold, and through a mapping at
    BatchSize 1000."""
    handler = go_runtime_handler()
    count_dir = tempfile.mkdtemp(prefix="esm-bench-counts-")
    sink = CountingSink()
    runtime_target = f"runtime:{handler}"
    # Cold: the first invocation of a fresh emulator starts the environment.
    emu = Emulator({"go": runtime_target}, env={"COUNT_DIR": count_dir})
    cold_ms = invoke_latencies_ms(emu.endpoint, "go", 1)[0]
    emu.stop()
    emu = Emulator({"go": runtime_target, "sink": sink.url}, env={"COUNT_DIR": count_dir})
    invoke_latencies_ms(emu.endpoint, "go", 50)  # warm-up: environment, connections
    invoke_latencies_ms(emu.endpoint, "sink", 50)
    http_ms, runtime_ms = [], []
    for _ in range(5):  # interleaved, so that both see the same machine
        http_ms += invoke_latencies_ms(emu.endpoint, "sink", invocations // 5)
        runtime_ms += invoke_latencies_ms(emu.endpoint, "go", invocations // 5)
    emu.stop()
    topic = create_topic(bootstrap, 8)
    produce_bulk(bootstrap, topic, records, 100)
    http_seconds = deliver_all(bootstrap, topic, records, 1000)[0]
    for f in pathlib.Path(count_dir).iterdir():
        f.unlink()
    emu = Emulator({"go": runtime_target}, env={"COUNT_DIR": count_dir})

    def counted():  # each environment's count, in a file named by its pid (renamed into place)
        return sum(int(f.read_text() or 0) for f in pathlib.Path(count_dir).iterdir() if f.name.isdigit())
    start = time.monotonic()
    emu.client.create_event_source_mapping(**mapping(bootstrap, topic, function="go", BatchSize=1000))
    deadline = start + 600
    while counted() < records and time.monotonic() < deadline:
        time.sleep(0.01)
    runtime_seconds = time.monotonic() - start
    emu.stop()
    sink.close()
    if counted() < records:
        raise RuntimeError(f"the runtime: function saw {counted()} of {records} records")
    return {"invocations": invocations, "cold_start_ms": round(cold_ms, 2),
            "http_p50_ms": percentile(http_ms, 0.5), "http_p99_ms": percentile(http_ms, 0.99),
            "runtime_p50_ms": percentile(runtime_ms, 0.5), "runtime_p99_ms": percentile(runtime_ms, 0.99),
            "added_p50_ms": round(percentile(runtime_ms, 0.5) - percentile(http_ms, 0.5), 3),
            "added_p99_ms": round(percentile(runtime_ms, 0.99) - percentile(http_ms, 0.99), 3),
            "records": records, "http_records_per_second": round(records / http_seconds),
            "runtime_records_per_second": round(records / runtime_seconds),
            "ratio": round(http_seconds / runtime_seconds, 3)}


def wrk(url, duration, connections=16):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
                         capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    rps = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))
    pcts = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "99%"):
            v = parts[1]
            ms = float(v[:-2]) if v.endswith("ms") else float(v[:-2]) / 1000 if v.endswith("us") else float(v[:-1]) * 1000
            pcts[parts[0]] = ms
    return {"requests_per_second": round(rps), "p50_ms": pcts.get("50%"), "p99_ms": pcts.get("99%")}


def bench_api(bootstrap, duration, pairs):
    sink = CountingSink()
    emu = Emulator({"sink": sink.url})
    uuids = [emu.client.create_event_source_mapping(**mapping(bootstrap, f"api-{i}", Enabled=False))["UUID"]
             for i in range(20)]
    result = {
        "get": wrk(f"{emu.endpoint}/2015-03-31/event-source-mappings/{uuids[0]}", duration),
        "list": wrk(f"{emu.endpoint}/2015-03-31/event-source-mappings?MaxItems=10", duration),
    }
    # Create and Delete from 16 threads, each on its own keep-alive connection. (Delete waits for
    # the mapping to settle, as on AWS: a mapping in transition answers ResourceInUse.)
    host, port = emu.endpoint.replace("http://", "").rsplit(":", 1)
    created, lat_create, lat_delete = [], [], []
    lock = threading.Lock()

    def worker(k):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        mine = []
        for i in range(pairs // 16):
            body = json.dumps(mapping(bootstrap, f"cd-{k}-{i}", Enabled=False))
            t = time.perf_counter()
            conn.request("POST", "/2015-03-31/event-source-mappings", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            lat = (time.perf_counter() - t) * 1000
            assert r.status == 202, data
            mine.append((json.loads(data)["UUID"], lat))
        with lock:
            created.extend(u for u, _ in mine)
            lat_create.extend(latency for _, latency in mine)
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    create_rps = len(created) / (time.perf_counter() - t0)
    wait_for(lambda: all(m["State"] == "Disabled" for page in emu.client.get_paginator(
        "list_event_source_mappings").paginate() for m in page["EventSourceMappings"]), 120, "settled")

    def deleter(chunk):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        mine = []
        for u in chunk:
            t = time.perf_counter()
            conn.request("DELETE", f"/2015-03-31/event-source-mappings/{u}")
            r = conn.getresponse()
            r.read()
            assert r.status == 202
            mine.append((time.perf_counter() - t) * 1000)
        with lock:
            lat_delete.extend(mine)
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=deleter, args=(created[k::16],)) for k in range(16)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    delete_rps = len(created) / (time.perf_counter() - t0)
    q = lambda xs, p: round(sorted(xs)[min(len(xs) - 1, int(p * len(xs)))], 2)  # noqa: E731
    result["create"] = {"requests_per_second": round(create_rps), "p50_ms": q(lat_create, .5), "p99_ms": q(lat_create, .99)}
    result["delete"] = {"requests_per_second": round(delete_rps), "p50_ms": q(lat_delete, .5), "p99_ms": q(lat_delete, .99)}
    result["peak_rss_mib"] = round(emu.stop(), 1)
    sink.close()
    return result


def bench_many(bootstrap, count, idle_seconds, preload=None):
    """preload: another librdkafka build to run the same binary with (LD_PRELOAD), side by side."""
    topic = create_topic(bootstrap, 1)
    sink = CountingSink()
    emu = Emulator({f"f{i}": sink.url for i in range(count)}, env={"LD_PRELOAD": preload} if preload else None)
    start = time.monotonic()
    for i in range(count):
        emu.client.create_event_source_mapping(**mapping(bootstrap, topic, function=f"f{i}"))

    def all_enabled():
        states = [m["State"] for page in emu.client.get_paginator("list_event_source_mappings").paginate()
                  for m in page["EventSourceMappings"]]
        return len(states) == count and all(s == "Enabled" for s in states)

    wait_for(all_enabled, 600, f"{count} mappings Enabled")
    enabled_after = time.monotonic() - start
    time.sleep(5)  # let start-up work finish before measuring idle
    cpu0, own0, t0 = emu.cpu_seconds(), emu.own_cpu_seconds(), time.monotonic()
    time.sleep(idle_seconds)
    elapsed = time.monotonic() - t0
    idle_cpu = (emu.cpu_seconds() - cpu0) / elapsed * 100
    own_cpu = (emu.own_cpu_seconds() - own0) / elapsed * 100
    result = {"mappings": count, "all_enabled_seconds": round(enabled_after, 2), "rss_mib": round(emu.status("VmRSS") / 1024, 1),
              "threads": emu.status("Threads"), "idle_cpu_percent_of_a_core": round(idle_cpu, 2),
              "own_threads_idle_cpu_percent_of_a_core": round(own_cpu, 2)}
    result["peak_rss_mib"] = round(emu.stop(), 1)
    sink.close()
    return result


def bench_scrape(bootstrap, count, scrapes=20):
    """GET /metrics with `count` mappings, each holding the 8 partitions of a topic: how long one
    scrape takes (the server renders it from the runners' atomics; no delivery lock is taken)."""
    topic = create_topic(bootstrap, 8)
    sink = CountingSink()
    emu = Emulator({f"f{i}": sink.url for i in range(count)})
    for i in range(count):
        emu.client.create_event_source_mapping(**mapping(bootstrap, topic, function=f"f{i}"))

    def scrape():
        with urllib.request.urlopen(emu.endpoint + "/metrics", timeout=30) as r:
            return r.read().decode()

    def all_assigned():
        held = [line for line in scrape().splitlines()
                if line.startswith("esm_assigned_partitions{") and line.endswith(" 8")]
        return len(held) == count

    wait_for(all_assigned, 600, f"{count} mappings holding 8 partitions each")
    times, size = [], 0
    for _ in range(scrapes):
        t0 = time.perf_counter()
        size = len(scrape())
        times.append((time.perf_counter() - t0) * 1000)
    emu.stop()
    sink.close()
    times.sort()
    return {"mappings": count, "partitions_each": 8, "scrapes": scrapes, "bytes": size,
            "p50_ms": round(statistics.median(times), 2), "max_ms": round(times[-1], 2)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="a smoke run: small sizes, short durations")
    ap.add_argument("--out", default="bench-results.json")
    ap.add_argument("--kafka", help="use this bootstrap instead of starting a broker")
    ap.add_argument("--only", help="comma list: throughput,filter,schema,partial,latency,startup,runtime,api,scrape,many "
                                   "(the default), and instructions (callgrind; opt-in)")
    ap.add_argument("--baseline", metavar="BINARY",
                    help="also measure this esm-emulator binary (e.g. a build of an earlier commit) in each "
                         "throughput, schema and instructions row, right before the current one")
    ap.add_argument("--compare-librdkafka", metavar="LIB",
                    help="also run the many-mappings section with this librdkafka .so preloaded (e.g. the newer "
                         "one inside the confluent-kafka wheel in .venv) to compare idle CPU")
    args = ap.parse_args()
    q = args.quick
    run_dir = tempfile.mkdtemp(prefix="esm-bench-kafka-")
    bootstrap = args.kafka
    if not bootstrap:
        out = subprocess.run([str(ROOT / "scripts" / "kafka.sh"), "start", run_dir], capture_output=True, text=True, check=True)
        bootstrap = out.stdout.strip().split("KAFKA_BOOTSTRAP=")[1]
    only = set((args.only or "throughput,filter,schema,partial,latency,startup,runtime,api,scrape,many").split(","))
    results = {"quick": q, "machine": {"cpus": os.cpu_count()}, "goals": GOALS}
    try:
        if "throughput" in only:
            records = int(os.environ.get("ESM_BENCH_RECORDS", 20000 if q else 1000000))
            batches = [1000] if q else [1000, 10000]
            results["throughput"] = (bench_throughput(bootstrap, records, 100, batches, args.baseline) +
                                     bench_throughput(bootstrap, 5000 if q else 200000, 1024, batches, args.baseline))
        if "filter" in only:
            results["filter"] = bench_filter(bootstrap, 20000 if q else 1000000)
        if "schema" in only:
            results["schema"] = bench_schema(bootstrap, 20000 if q else 1000000, args.baseline)
        if "partial" in only:
            results["partial_failures"] = bench_partial_failures(bootstrap, 20000 if q else 200000)
        if "instructions" in only:
            results["instructions"] = bench_instructions(bootstrap, args.baseline)
        if "latency" in only:
            results["latency"] = bench_latency(bootstrap, 3 if q else 30)
            results["latency_embedded"] = bench_latency(None, 3 if q else 30, embedded=True)
        if "startup" in only:
            results["startup"] = bench_startup(bootstrap, 2 if q else 5)
        if "runtime" in only:
            results["runtime"] = bench_runtime(bootstrap, 200 if q else 2000, 20000 if q else 500000)
        if "api" in only:
            results["api"] = bench_api(bootstrap, 2 if q else 10, 160 if q else 1600)
        if "scrape" in only:
            results["scrape"] = bench_scrape(bootstrap, int(os.environ.get("ESM_BENCH_MAPPINGS", 20 if q else 500)))
        if "many" in only:
            many = int(os.environ.get("ESM_BENCH_MAPPINGS", 20 if q else 500))
            results["many_mappings"] = bench_many(bootstrap, many, 3 if q else 10)
            if args.compare_librdkafka:
                results["many_mappings_other_librdkafka"] = dict(
                    bench_many(bootstrap, many, 3 if q else 10, preload=args.compare_librdkafka),
                    librdkafka=args.compare_librdkafka)
    finally:
        if not args.kafka:
            subprocess.run([str(ROOT / "scripts" / "kafka.sh"), "stop", run_dir], capture_output=True)
    pathlib.Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)


def print_table(r):
    print(f"\n{'measure':58} {'value':>14} {'goal':>12}")

    def row(name, value, goal=""):
        print(f"{name:58} {value!s:>14} {goal!s:>12}")

    for t in r.get("throughput", []):
        row(f"throughput {t['records']}x{t['record_bytes']}B BatchSize {t['batch_size']} (rec/s)", t["records_per_second"])
        row("  raw librdkafka consumer, same topic, fastest variant (rec/s)", t["raw_records_per_second"])
        for name, rps in t["raw_variants"].items():
            row(f"    {name} (rec/s)", rps)
        row("  ratio emulator / raw", t["ratio"], ">= 0.5")
        row("  steady, 5 % to 95 % of the records (rec/s)", t["steady_records_per_second"])
        row("  raw consumer, steady (rec/s)", t["raw_steady_records_per_second"])
        row("  steady ratio emulator / raw", t["steady_ratio"])
        if "baseline_records_per_second" in t:
            row("  baseline binary, same topic (rec/s)", t["baseline_records_per_second"])
            row("  ratio emulator / baseline", t["ratio_to_baseline"], ">= 0.95")
        row("  peak RSS (MiB)", t["peak_rss_mib"])
    if "filter" in r:
        f = r["filter"]
        row(f"filter, 3 fields matching 10 %: {f['records']} scanned (rec/s)", f["scanned_per_second"])
        row("  raw librdkafka consumer, same topic (rec/s)", f["raw_records_per_second"])
        row("  ratio emulator / raw", f["ratio"], ">= 0.8")
    if "schema" in r:
        f = r["schema"]
        row(f"schema registry, Avro -> JSON: {f['records']}x{f['record_bytes']}B BS1000 (rec/s)", f["records_per_second"])
        row("  raw librdkafka consumer, same topic (rec/s)", f["raw_records_per_second"])
        row("  ratio emulator / raw", f["ratio"], ">= 0.5")
        row("  steady, 5 % to 95 % of the records (rec/s)", f["steady_records_per_second"])
        row("  raw consumer, steady (rec/s)", f["raw_steady_records_per_second"])
        row("  steady ratio emulator / raw", f["steady_ratio"])
        row("  emulator CPU (s)", f["emulator_cpu_seconds"])
        if "baseline_records_per_second" in f:
            row("  baseline binary, same topic (rec/s)", f["baseline_records_per_second"])
            row("  ratio emulator / baseline", f["ratio_to_baseline"])
            row("  baseline binary's CPU (s)", f["baseline_cpu_seconds"])
    for i in r.get("instructions", []):
        row(f"instructions per record, callgrind: 100B BS{i['batch_size']}", i["emulator_instructions_per_record"])
        if "baseline_instructions_per_record" in i:
            row("  baseline binary", i["baseline_instructions_per_record"])
    if "partial_failures" in r:
        f = r["partial_failures"]
        row(f"batchItemFailures, 1 % failed: {f['records']}x100B BS1000 (rec/s)", f["one_percent_failed_records_per_second"])
        row("  same function, none failed (rec/s)", f["all_success_records_per_second"])
        row("  ratio 1 % failed / none failed", f["ratio"], ">= 0.5")
        if "all_reported_records_per_second" in f:
            row("  function listing every failure (rec/s)", f["all_reported_records_per_second"])
            row("  ratio, every failure listed / none failed", f["all_reported_ratio"])
    if "latency" in r:
        lat = r["latency"]
        row("latency produce->invoke p50 (ms)", lat["p50_ms"], "< 5")
        row("latency produce->invoke p99 (ms)", lat["p99_ms"], "< 20")
        row("latency produce->invoke max (ms)", lat["max_ms"])
    if "latency_embedded" in r:
        lat = r["latency_embedded"]
        row("latency, embedded Kafka, p50 / p99 / max (ms)", f"{lat['p50_ms']} / {lat['p99_ms']} / {lat['max_ms']}")
    if "startup" in r:
        st = r["startup"]
        for key, name, goal in (("embedded_create_first_event", "embedded Kafka: Create -> first event", "<= 500"),
                                ("embedded_update_next_event", "embedded Kafka: Update -> next event", "<= 2000"),
                                ("real_broker_create_first_event", "real broker: Create -> first event", "")):
            row(f"{name}, median / max (ms)", f"{st[key]['median_ms']} / {st[key]['max_ms']}", goal)
    if "runtime" in r:
        rt = r["runtime"]
        row(f"Invoke, HTTP target, {rt['invocations']} warm, p50 / p99 (ms)", f"{rt['http_p50_ms']} / {rt['http_p99_ms']}")
        row("Invoke, runtime: (Go, Runtime API), p50 / p99 (ms)", f"{rt['runtime_p50_ms']} / {rt['runtime_p99_ms']}")
        row("  added by the Runtime API, p50 (ms)", rt["added_p50_ms"], "<= 1")
        row("  added by the Runtime API, p99 (ms)", rt["added_p99_ms"], "<= 5")
        row("  cold start, first Invoke of a fresh emulator (ms)", rt["cold_start_ms"])
        row(f"mapping {rt['records']}x100B BS1000 to runtime: (rec/s)", rt["runtime_records_per_second"])
        row("  same topic to the HTTP sink (rec/s)", rt["http_records_per_second"])
        row("  ratio runtime: / HTTP", rt["ratio"], ">= 0.5")
    if "api" in r:
        for op in ("get", "list", "create", "delete"):
            a = r["api"][op]
            row(f"API {op} at 16 connections (req/s)", a["requests_per_second"], ">= 20000" if op == "get" else "")
            row(f"  p50 / p99 (ms)", f"{a['p50_ms']} / {a['p99_ms']}")
        row("  peak RSS (MiB)", r["api"]["peak_rss_mib"])
    if "scrape" in r:
        sc = r["scrape"]
        row(f"GET /metrics, {sc['mappings']} mappings x 8 partitions, p50 / max (ms)",
            f"{sc['p50_ms']} / {sc['max_ms']}", "<= 50")
        row("  response size (bytes)", sc["bytes"])
    if "many_mappings" in r:
        m = r["many_mappings"]
        row(f"{m['mappings']} mappings: all Enabled after (s)", m["all_enabled_seconds"], "< 30")
        row("  resident memory (MiB)", m["rss_mib"], "< 1024")
        row("  threads", m["threads"])
        row("  idle CPU (% of a core)", m["idle_cpu_percent_of_a_core"], "< 2")
        row("    of which the emulator's own threads (not librdkafka's)", m["own_threads_idle_cpu_percent_of_a_core"], "<= 1")
        row("  peak RSS (MiB)", m["peak_rss_mib"])
    if "many_mappings_other_librdkafka" in r:
        m = r["many_mappings_other_librdkafka"]
        row(f"  same, {pathlib.Path(m['librdkafka']).name} preloaded: idle CPU (%)", m["idle_cpu_percent_of_a_core"])
        row("    of which the emulator's own threads", m["own_threads_idle_cpu_percent_of_a_core"])
        row("    threads / resident memory (MiB)", f"{m['threads']} / {m['rss_mib']}")


if __name__ == "__main__":
    main()
