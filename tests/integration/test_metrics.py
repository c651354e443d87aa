"""GET /metrics (Prometheus text, AWS's event source mapping metric names) and GET /health, read
as a user reads them: over HTTP, checked by Debian's promtool, scraped by a real Prometheus."""
import json
import re
import subprocess
import urllib.parse
import urllib.error
import urllib.request

from conftest import eventually, free_port
from test_error_handling import bad_value, create, produce, start


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def samples(text):
    """{(name, frozenset(labels)): value} from the exposition text."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)', line)
        assert m, line
        labels = frozenset(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(2)))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(text, name, **labels):
    want = set(labels.items())
    found = [v for (n, ls), v in samples(text).items() if n == name and want <= set(ls)]
    assert len(found) == 1, (name, labels, found)
    return found[0]


def test_metrics_count_what_the_mapping_did_and_promtool_accepts_them(tmp_path, kafka_port, function_sink,
                                                                       clients_for):
    emu = start(tmp_path, kafka_port, function_sink, ["ok:2", "failing:1"])
    c = clients_for(emu)
    for partition in (0, 1):
        produce(emu.kafka_bootstrap, "ok", [f"v{partition}-{i}" for i in range(5 + partition)], partition=partition)
    good = create(c, emu, "ok", BatchSize=100)
    function_sink.fail = bad_value
    produce(emu.kafka_bootstrap, "failing", ["bad0", "bad1"])
    bad = create(c, emu, "failing", MaximumRetryAttempts=1, BatchSize=100)
    url = emu.endpoint + "/metrics"
    # Lag is OffsetLag as AWS defines it: written minus processed; 0 once all is committed.
    def processed():
        t = get(url)[2]
        try:  # a series not published yet (the partition table comes once a second) is not a failure
            return (value(t, "esm_offset_lag", uuid=good["UUID"]) == 0 and
                    value(t, "esm_partition_high_watermark", uuid=good["UUID"], partition="1") == 6 and
                    value(t, "esm_dropped_events_total", uuid=bad["UUID"]) == 2 and t)
        except AssertionError:
            return None

    text = eventually(processed, message="every record processed")
    status, content_type, _ = get(url)
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    g = {"uuid": good["UUID"], "function": "f", "topic": "ok"}
    assert value(text, "esm_polled_events_total", **g) == 11
    assert value(text, "esm_invoked_events_total", **g) == 11
    assert value(text, "esm_failed_invoke_events_total", **g) == 0
    assert value(text, "esm_assigned_partitions", **g) == 2
    assert value(text, "esm_partition_committed_offset", partition="0", **g) == 5
    assert value(text, "esm_partition_committed_offset", partition="1", **g) == 6
    invocations = value(text, "esm_invocations_total", **g)
    assert invocations >= 1
    assert value(text, "esm_invocation_duration_seconds_count", **g) == invocations
    assert value(text, "esm_batch_records_sum", **g) == 11
    assert value(text, "esm_batch_records_bucket", le="+Inf", **g) == invocations
    b = {"uuid": bad["UUID"], "topic": "failing"}
    # Sent twice (the first attempt and one retry), failed both times, then dropped.
    assert value(text, "esm_invoked_events_total", **b) == 4
    assert value(text, "esm_failed_invoke_events_total", **b) == 4
    assert value(text, "esm_function_errors_total", kind="function_error", **b) == 2
    assert value(text, "esm_function_errors_total", kind="unreachable", **b) == 0
    checked = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # A deleted mapping's series go.
    c.call("DeleteEventSourceMapping", UUID=bad["UUID"])
    eventually(lambda: bad["UUID"] not in get(url)[2], message="the deleted mapping's series gone")
    emu.stop()


def test_health_names_the_mappings_that_are_not_healthy(tmp_path, kafka_port, function_sink, clients_for):
    emu = start(tmp_path, kafka_port, function_sink, ["ok:1", "failing:1"])
    c = clients_for(emu)
    health = json.loads(get(emu.endpoint + "/health")[2])
    assert health == {"unhealthy": [], "status": "ok", "service": "esm-emulator"}
    create(c, emu, "ok")
    function_sink.fail = bad_value
    produce(emu.kafka_bootstrap, "failing", ["bad0"])
    bad = create(c, emu, "failing")
    health = eventually(lambda: (h := json.loads(get(emu.endpoint + "/health")[2]))["status"] == "degraded" and h,
                        message="a degraded health")
    assert [u["UUID"] for u in health["unhealthy"]] == [bad["UUID"]]
    assert health["unhealthy"][0]["State"] in ("Creating", "Enabled")
    assert health["unhealthy"][0]["LastProcessingResult"].startswith("PROBLEM: Function call failed")
    # Disabled by the user: not unhealthy.
    c.call("UpdateEventSourceMapping", UUID=bad["UUID"], Enabled=False)
    eventually(lambda: json.loads(get(emu.endpoint + "/health")[2])["status"] == "ok", message="ok again")
    # Disabled by the emulator (an MSK cluster it has no brokers for): unhealthy, saying why.
    msk = c.call("CreateEventSourceMapping", FunctionName="f", Topics=["ok"], StartingPosition="LATEST",
                 EventSourceArn="arn:aws:kafka:us-east-1:000000000000:cluster/demo/abcd1234-abcd-cafe-abab-9876543210ab-4")
    health = eventually(lambda: (h := json.loads(get(emu.endpoint + "/health")[2]))["status"] == "degraded" and h,
                        message="degraded by the stopped mapping")
    assert [(u["UUID"], u["State"], u["StateTransitionReason"]) for u in health["unhealthy"]] == [
        (msk["UUID"], "Disabled", "ESM_CONFIG_NOT_VALID")]
    emu.stop()


def test_a_real_prometheus_scrapes_the_emulator(tmp_path, kafka_port, function_sink, clients_for):
    emu = start(tmp_path, kafka_port, function_sink, ["ok:1"])
    produce(emu.kafka_bootstrap, "ok", ["a", "b", "c"])
    m = create(clients_for(emu), emu, "ok")
    target = urllib.parse.urlsplit(emu.endpoint).netloc
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n"
        f"  - job_name: esm\n    static_configs:\n      - targets: ['{target}']\n")
    port = free_port()
    prom = subprocess.Popen(["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}",
                             f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        query = urllib.parse.quote(f'esm_polled_events_total{{uuid="{m["UUID"]}"}}')

        def polled():
            try:
                result = json.loads(get(f"http://127.0.0.1:{port}/api/v1/query?query={query}")[2])["data"]["result"]
            except OSError:
                return None
            return result and result[0]["value"][1] == "3" and result[0]

        series = eventually(polled, timeout=60, message="the series in Prometheus")
        assert series["metric"]["function"] == "f" and series["metric"]["topic"] == "ok"
        assert series["metric"]["job"] == "esm"
    finally:
        prom.terminate()
        prom.wait(timeout=30)
        emu.stop()


def test_status_api_shows_partitions_last_error_and_what_the_function_received(tmp_path, kafka_port, function_sink,
                                                                                clients_for):
    emu = start(tmp_path, kafka_port, function_sink, ["ok:2", "failing:1"])
    c = clients_for(emu)
    produce(emu.kafka_bootstrap, "ok", ["a", "b", "c"], partition=1)
    good = create(c, emu, "ok", BatchSize=100)
    function_sink.fail = bad_value
    produce(emu.kafka_bootstrap, "failing", ["bad0"])
    bad = create(c, emu, "failing", BatchSize=100)
    one = lambda uuid: json.loads(get(f"{emu.endpoint}/_esm/mappings/{uuid}")[2])
    status = eventually(lambda: (s := one(good["UUID"]))["OffsetLag"] == 0 and
                        sum(i["RecordCount"] for i in s["Invocations"]) == 3 and s, message="all delivered")
    assert status["State"] == "Enabled" and status["ConsumerRunning"] and status["LastError"] is None
    assert sorted(p["Partition"] for p in status["Partitions"]) == [0, 1]
    p1 = next(p for p in status["Partitions"] if p["Partition"] == 1)
    assert p1 == {"Partition": 1, "CommittedOffset": 3, "HighWatermark": 3, "OffsetLag": 0}
    inv = status["Invocations"][-1]
    assert inv["Outcome"] == "Success" and inv["Response"] == "{}" and not inv["EventTruncated"]
    assert re.fullmatch(r"[0-9a-f-]{36}", inv["RequestId"]) and inv["StartTime"].endswith("Z")
    # The event recorded is the one the function got.
    received = [e for e in function_sink.events if "ok-1" in e["event"]["records"]]
    assert json.loads(inv["Event"]) == received[-1]["event"]
    # Issue 14 §4: one endpoint serving two mappings tells them apart by the headers, and the
    # request id is the one the status API recorded.
    header = lambda e, name: {k.lower(): v for k, v in e["headers"].items()}[name]
    assert header(received[-1], "x-esm-request-id") == inv["RequestId"]
    for e in list(function_sink.events):
        topic = next(iter(e["event"]["records"])).rsplit("-", 1)[0]
        assert header(e, "x-esm-mapping-uuid") == (good if topic == "ok" else bad)["UUID"]
    assert inv["PayloadBytes"] == len(inv["Event"])
    last = status["Invocations"][-1]["Partitions"][-1]
    assert last["Partition"] == "ok-1" and last["LastOffset"] == 2
    failing = eventually(lambda: (s := one(bad["UUID"]))["LastError"] and s["Invocations"] and s,
                         message="a recorded failure")
    assert failing["LastError"]["Message"].startswith("PROBLEM: Function call failed")
    assert failing["LastError"]["Time"].endswith("Z")
    assert failing["Invocations"][0]["Outcome"] == "FunctionError"
    listed = json.loads(get(f"{emu.endpoint}/_esm/mappings")[2])["Mappings"]
    assert {m["UUID"] for m in listed} == {good["UUID"], bad["UUID"]}
    assert all("Invocations" not in m for m in listed)
    try:
        get(f"{emu.endpoint}/_esm/mappings/00000000-0000-0000-0000-000000000000")
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as e:
        assert e.code == 404
    emu.stop()


def test_logging_config_sets_each_mapping_s_log_level(tmp_path, kafka_port, function_sink, clients_for):
    """The emulator runs at info: a DEBUG mapping logs every invocation, a WARN one only problems."""
    emu = start(tmp_path, kafka_port, function_sink, ["loud:1", "quiet:1"])
    c = clients_for(emu)
    produce(emu.kafka_bootstrap, "loud", ["a", "b"])
    produce(emu.kafka_bootstrap, "quiet", ["bad0"])
    function_sink.fail = bad_value
    loud = create(c, emu, "loud", LoggingConfig={"SystemLogLevel": "DEBUG"})
    quiet = create(c, emu, "quiet", LoggingConfig={"SystemLogLevel": "WARN"})
    line = eventually(lambda: [l for l in emu.logs().splitlines() if loud["UUID"] in l and " invocation " in l],
                      message="the loud mapping's invocation line")[0]
    assert re.search(r"debug .*invocation [0-9a-f-]{36}: 2 record\(s\) \(loud-0 0-1\), \d+ bytes, in [\d.]+ ms: Success",
                     line), line
    eventually(lambda: any(quiet["UUID"] in l and "function error" in l for l in emu.logs().splitlines()),
               message="the quiet mapping's problem")
    quiet_lines = [l for l in emu.logs().splitlines() if quiet["UUID"] in l]
    assert quiet_lines and all(" info " not in l and " debug " not in l for l in quiet_lines), quiet_lines
    assert any(" info " in l for l in emu.logs().splitlines() if loud["UUID"] in l)
    emu.stop()


def post(url):
    req = urllib.request.Request(url, data=b"{}", method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("X-Amzn-ErrorType"), json.loads(r.read())
    except urllib.error.HTTPError as e:
        body = json.loads(e.read())
        body.setdefault("message", body.get("Message"))  # AWS spells it either way, by error type
        return e.code, e.headers.get("X-Amzn-ErrorType"), body


def test_replay_sends_a_recorded_event_again_and_changes_nothing_else(tmp_path, kafka_port, function_sink,
                                                                      clients_for):
    emu = start(tmp_path, kafka_port, function_sink, ["ok:1"], ["--invocation-event-bytes", "2000"])
    c = clients_for(emu)
    produce(emu.kafka_bootstrap, "ok", ["a", "b", "c"])
    m = create(c, emu, "ok", BatchSize=100)
    status_url = f"{emu.endpoint}/_esm/mappings/{m['UUID']}"
    one = lambda: json.loads(get(status_url)[2])
    before = eventually(lambda: (s := one())["OffsetLag"] == 0 and
                        sum(i["RecordCount"] for i in s["Invocations"]) == 3 and s, message="all delivered")
    original = before["Invocations"][-1]
    assert original["ReplayOf"] is None
    metrics_before = get(emu.endpoint + "/metrics")[2]
    sent = len(function_sink.events)
    # The function now fails: the replay reports it; the mapping and its offsets know nothing of it.
    function_sink.fail = lambda event: True
    code, _, replay = post(f"{status_url}/invocations/{original['RequestId']}/replay")
    assert code == 200, replay
    assert replay["ReplayOf"] == original["RequestId"] and replay["RequestId"] != original["RequestId"]
    assert replay["Outcome"] == "FunctionError" and replay["Partitions"] == original["Partitions"]
    assert replay["Event"] == original["Event"] and replay["RecordCount"] == 3
    assert len(function_sink.events) == sent + 1
    again = function_sink.events[-1]
    assert again["event"] == json.loads(original["Event"])
    assert {k.lower(): v for k, v in again["headers"].items()}["x-esm-request-id"] == replay["RequestId"]
    after = one()
    assert after["Invocations"][-1]["RequestId"] == replay["RequestId"]
    assert after["LastProcessingResult"] == before["LastProcessingResult"] == "OK"
    assert after["Partitions"] == before["Partitions"]
    metrics_after = get(emu.endpoint + "/metrics")[2]
    for name in ("esm_invocations_total", "esm_invoked_events_total", "esm_failed_invoke_events_total"):
        assert value(metrics_after, name, uuid=m["UUID"]) == value(metrics_before, name, uuid=m["UUID"]), name
    # A replay that succeeds answers with the function's response.
    function_sink.fail = lambda event: False
    code, _, ok = post(f"{status_url}/invocations/{original['RequestId']}/replay")
    assert code == 200 and ok["Outcome"] == "Success" and ok["Response"] == "{}"
    # An event recorded only in part cannot be replayed; unknown ids are 404s.
    produce(emu.kafka_bootstrap, "ok", ["x" * 3000])
    big = eventually(lambda: (s := one())["Invocations"][-1]["EventTruncated"] and s["Invocations"][-1],
                     message="a truncated record")
    code, kind, err = post(f"{status_url}/invocations/{big['RequestId']}/replay")
    assert (code, kind) == (409, "ResourceConflictException") and "--invocation-event-bytes" in err["message"]
    code, kind, err = post(f"{status_url}/invocations/00000000-0000-0000-0000-000000000000/replay")
    assert (code, kind) == (404, "ResourceNotFoundException") and "No recorded invocation" in err["message"]
    code, kind, _ = post(f"{emu.endpoint}/_esm/mappings/00000000-0000-0000-0000-000000000000/invocations/"
                         f"{original['RequestId']}/replay")
    assert (code, kind) == (404, "ResourceNotFoundException")
    assert len(function_sink.events) == sent + 3  # the refused replays sent nothing
    emu.stop()
