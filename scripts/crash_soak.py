"""Crash soak: sequenced records are produced across 8 partitions of a real broker while the
emulator is killed with SIGKILL at random moments and restarted, again and again. At the end the
function must have received every record at least once, the first deliveries of each partition
in offset order, and every duplicate must lie in the tail of what a partition delivered before
a kill (the batches whose commit the kill cut off), never inside one lifetime of the process.

  .venv/bin/python scripts/crash_soak.py [--kills 20] [--rate 400] [--seed N]

Each lifetime is killed at a random moment after the mapping has delivered something in it, so
every kill lands mid-stream. A restarted consumer takes the killed one's place in the group at
once (static membership: the same group.instance.id per mapping and data directory), so the time
from a restart to its first delivery is reported per kill and must stay under --max-resume
seconds (5; without static membership it was the killed member's session, 6 s here, 45 s by
librdkafka's default).

Needs ESM_REAL_KAFKA (host:port of a broker, as scripts/kafka.sh prints) or starts one itself.
Exits 1 with the broken promise on stderr; prints the counts either way."""
import argparse
import json
import pathlib
import random
import subprocess
import sys
import tempfile
import threading
import time
import os

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from clients import make_clients  # noqa: E402
from conftest import Emulator, eventually  # noqa: E402
from sinks import HttpSink  # noqa: E402

PARTITIONS = 8


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--rate", type=int, default=400, help="records per second, across all partitions")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--max-resume", type=float, default=5.0,
                    help="seconds from a restart to that lifetime's first delivery, at most")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    bootstrap = os.environ.get("ESM_REAL_KAFKA")
    run_dir = None
    if not bootstrap:
        run_dir = tempfile.mkdtemp(prefix="esm-soak-kafka-")
        out = subprocess.run([str(ROOT / "scripts" / "kafka.sh"), "start", run_dir],
                             capture_output=True, text=True, check=True).stdout
        bootstrap = next(l.split("=", 1)[1] for l in out.splitlines() if l.startswith("KAFKA_BOOTSTRAP="))
    try:
        return soak(bootstrap, args, rng)
    finally:
        if run_dir:
            subprocess.run([str(ROOT / "scripts" / "kafka.sh"), "stop", run_dir], capture_output=True)


def soak(bootstrap, args, rng):
    topic = f"soak-{int(time.time() * 1000)}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])[topic].result(30)
    sink = HttpSink()
    sink.server.handle_error = lambda request, address: None  # requests cut off by a kill
    sink.delay = 0.005  # a function that takes a little time, so kills land mid-invocation
    kill_times = []  # monotonic times of the kills
    arrivals = []    # (lifetime, [(partition, offset, value)]) per invocation, in arrival order
    started_at = {}  # lifetime -> monotonic time its process was listening
    first_at = {}    # lifetime -> monotonic time of its first delivery

    class Recorder(list):
        def append(self, e):  # called under the sink's lock as each event arrives
            recs = [(r["partition"], r["offset"], r["value"]) for rs in e["event"]["records"].values() for r in rs]
            life = int(e["path"].rsplit("=", 1)[1])  # the lifetime that sent it
            arrivals.append((life, recs))
            first_at.setdefault(life, time.monotonic())
            super().append(e)
    sink.events = Recorder()

    produced = {p: 0 for p in range(PARTITIONS)}
    stop_producing = threading.Event()

    def produce():
        producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
        pause = PARTITIONS / max(args.rate, 1)
        while not stop_producing.is_set():
            for p in range(PARTITIONS):
                producer.produce(topic, value=f"{p}:{produced[p]}".encode(), partition=p)
                produced[p] += 1
            producer.poll(0)
            time.sleep(pause)
        assert producer.flush(60) == 0

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="esm-soak-"))
    # Each lifetime invokes its own URL (?life=N), so a delivery is attributed to the process that
    # sent it even when the sink reads it after the kill.
    emu = Emulator(tmp, ["--function", f"soak={sink.url}?life=0"])
    emu.start()
    client = make_clients(emu.endpoint)["boto3"]
    mapping = client.call("CreateEventSourceMapping", FunctionName="soak", Topics=[topic], BatchSize=rng.choice([5, 10, 20]),
                          MaximumBatchingWindowInSeconds=0,
                          SourceAccessConfigurations=[{"Type": "VPC_SUBNET", "URI": "subnet:subnet-1"}],
                          SelfManagedEventSource={"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [bootstrap]}})
    producer = threading.Thread(target=produce)
    producer.start()
    for k in range(args.kills):
        seen = len(arrivals)
        eventually(lambda: len(arrivals) > seen, timeout=60, interval=0.05,
                   message=f"deliveries in lifetime {k}")
        time.sleep(rng.uniform(0.0, 1.5))
        with sink.lock:
            kill_times.append(time.monotonic())
        emu.kill9()
        emu.args = ["--function", f"soak={sink.url}?life={k + 1}"]
        emu.start()
        started_at[k + 1] = time.monotonic()
    stop_producing.set()
    producer.join()
    total = sum(produced.values())

    def delivered():
        with sink.lock:
            return {(p, o) for _, recs in arrivals for p, o, _ in recs}
    eventually(lambda: len(delivered()) == total, timeout=180, interval=0.5,
               message=f"all {total} records delivered")
    client = make_clients(emu.endpoint)["boto3"]  # the restarted process listens on a new port
    state = client.call("GetEventSourceMapping", UUID=mapping["UUID"])
    emu.stop()
    sink.close()
    resume = [round(first_at[k] - started_at[k], 3) for k in sorted(started_at) if k in first_at]
    return check(arrivals, kill_times, produced, state, args, resume)


def check(arrivals, kill_times, produced, state, args, resume):
    per_partition = {p: [] for p in range(PARTITIONS)}  # (epoch, offset, value) in arrival order
    for life, recs in arrivals:
        for p, o, v in recs:
            per_partition[p].append((life, o, v))
    failures = []
    duplicates = 0
    for p, seq in per_partition.items():
        seen = set()
        firsts = []
        for e, o, v in seq:
            if o not in seen:
                seen.add(o)
                firsts.append(o)
        if firsts != sorted(firsts):
            failures.append(f"partition {p}: first deliveries out of offset order")
        if seen != set(range(produced[p])):
            failures.append(f"partition {p}: delivered {len(seen)} of {produced[p]} offsets")
        # Within one lifetime a partition never goes back; a restart resumes at or before where
        # the previous lifetime stopped, repeating only the tail it had delivered uncommitted.
        last_by_epoch = {}
        for e, o, v in seq:
            prev = last_by_epoch.get(e)
            if prev is not None and o != prev + 1:
                failures.append(f"partition {p}: offset {o} after {prev} within lifetime {e}")
                break
            if prev is None:
                before = max((last_by_epoch[x] for x in last_by_epoch if x < e), default=-1)
                if o > before + 1:
                    failures.append(f"partition {p}: lifetime {e} skipped from {before} to {o}")
                duplicates += max(0, before - o + 1)
            last_by_epoch[e] = o
    if len(resume) != len(kill_times):
        failures.append(f"{len(kill_times) - len(resume)} restarted lifetime(s) delivered nothing")
    slow = [t for t in resume if t > args.max_resume]
    if slow:
        failures.append(f"{len(slow)} restart(s) took longer than {args.max_resume} s to deliver: {slow}")
    print(json.dumps({
        "kills": len(kill_times), "seed": args.seed, "records_produced": sum(produced.values()),
        "invocations": len(arrivals), "records_delivered": sum(len(r) for _, r in arrivals),
        "duplicates": duplicates, "final_state": state["State"],
        "final_result": state["LastProcessingResult"],
        "resume_seconds_per_kill": resume,
        "resume_seconds_max": max(resume, default=None),
        "resume_seconds_median": sorted(resume)[len(resume) // 2] if resume else None,
        "failures": failures[:20]}, indent=2))
    if failures:
        print("crash soak FAILED", file=sys.stderr)
        return 1
    print("crash soak passed: every record at least once, first deliveries in order, duplicates only "
          f"in the uncommitted tail at a kill, every restart delivering within {args.max_resume} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
