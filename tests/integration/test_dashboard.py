"""The dashboard at the emulator's root URL, driven in Debian's headless Chromium through
playwright-core (node/dashboard.mjs): records produced show decoded on the page, XSS-shaped values
as text; Disable, offset reset, Enable and Replay clicked take effect through the APIs; a failing
function's error stands out; 500 mappings page and filter. Requests from other origins that would
change something are refused; with --require-sigv4 the dashboard needs --dashboard-token, and no
secret value reaches it. Screenshots go to build/screenshots/."""
import json
import pathlib
import subprocess
import urllib.error
import urllib.request

import boto3

from clients import make_clients
from conftest import Emulator, eventually
from test_error_handling import create, produce, start, values

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "integration" / "node"
SHOTS = ROOT / "build" / "screenshots"


def browse(scenario, shots, **args):
    shots.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["node", str(NODE_DIR / "dashboard.mjs"), scenario, json.dumps({**args, "shots": str(shots)})],
                          cwd=NODE_DIR, capture_output=True, text=True, timeout=180)
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no result from the browser: {proc.stderr[-3000:]}"
    result = json.loads(lines[-1])
    assert proc.returncode == 0 and result["ok"], result.get("error", proc.stderr[-3000:])
    return result


def request(url, method="GET", body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    h = {"Content-Type": "application/json"} if data is not None else {}
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


SCRIPT = "<script>window.__xss=2</script>"
HEADER = ("x-note", '<img src=x onerror="window.__xss=1">')


def test_the_dashboard_shows_records_and_errors_and_its_actions_work(tmp_path, kafka_port, function_sink,
                                                                      clients_for):
    emu = start(tmp_path, kafka_port, function_sink, ["ok:2", "failing:1"])
    c = clients_for(emu)
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": emu.kafka_bootstrap})
    p.produce("ok", key=b"k1", value=json.dumps({"order": 7}).encode(), partition=0)
    p.produce("ok", value=SCRIPT.encode(), partition=0, headers=[(HEADER[0], HEADER[1].encode())])
    p.produce("ok", value=b"plain text", partition=1)
    assert p.flush(30) == 0
    good = create(c, emu, "ok", BatchSize=100)
    function_sink.fail = lambda event: any(r["topic"] == "failing" for rs in event["records"].values() for r in rs)
    produce(emu.kafka_bootstrap, "failing", ["bad0"])
    bad = create(c, emu, "failing", BatchSize=100)
    status = lambda uuid: json.loads(request(f"{emu.endpoint}/_esm/mappings/{uuid}")[2])
    delivered = lambda: sorted(v for e in function_sink.events if not e["failed"] for _, _, v in values(e["event"], "ok"))
    eventually(lambda: len(delivered()) == 3, message="ok delivered")
    eventually(lambda: status(bad["UUID"])["LastError"], message="failing failed")

    result = browse("walkthrough", SHOTS, url=emu.endpoint, good=good["UUID"], bad=bad["UUID"], records=3,
                    json_value={"order": 7}, script_value=SCRIPT, key="k1", header_name=HEADER[0],
                    header_value=HEADER[1], bad_topic="failing")
    assert "500" in result["error"]  # the sink's answer, as the page showed it
    # What was clicked happened: Disable, TRIM_HORIZON, Enable redelivered every record, and the
    # replay sent one event more.
    eventually(lambda: len(delivered()) >= 3 + 3 + 2, message="redelivered after the reset")
    assert c.call("GetEventSourceMapping", UUID=good["UUID"])["State"] == "Enabled"
    assert any(i["ReplayOf"] for i in status(good["UUID"])["Invocations"])
    for name in ("dashboard-records.png", "dashboard-failure.png"):
        assert (SHOTS / name).stat().st_size > 10000
    emu.stop()


def test_five_hundred_mappings_page_and_filter(tmp_path, kafka_port, function_sink, clients_for):
    emu = start(tmp_path, kafka_port, function_sink, ["ok:1"])
    c = clients_for(emu)
    uuids = [create(c, emu, f"topic-{i}", Enabled=False)["UUID"] for i in range(500)]
    browse("many", SHOTS, url=emu.endpoint, total=500, one=uuids[321])
    emu.stop()


def test_changes_from_other_origins_are_refused(tmp_path, kafka_port, function_sink, clients_for):
    emu = start(tmp_path, kafka_port, function_sink, ["ok:1"])
    c = clients_for(emu)
    m = create(c, emu, "ok", Enabled=False)
    url = f"{emu.endpoint}/2015-03-31/event-source-mappings/{m['UUID']}"
    host = emu.endpoint.removeprefix("http://")
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Origin": f"http://{host}", "Sec-Fetch-Site": "cross-site"},
                    {"Sec-Fetch-Site": "same-site"}):
        code, h, body = request(url, "PUT", {"BatchSize": 7}, headers)
        assert (code, h.get("X-Amzn-ErrorType")) == (403, "AccessDeniedException"), (headers, body)
        assert "only the emulator's own pages" in json.loads(body)["Message"]
    code, _, body = request(f"{emu.endpoint}/_esm/mappings/{m['UUID']}/offsets", "PUT",
                            {"Position": "LATEST"}, {"Origin": "http://evil.example"})
    assert code == 403, body
    assert c.call("GetEventSourceMapping", UUID=m["UUID"])["BatchSize"] != 7  # nothing changed
    # The dashboard's own calls, and reads from anywhere, pass; nothing grants another origin
    # the right to read the answers.
    code, h, body = request(url, "PUT", {"BatchSize": 7}, {"Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"})
    assert code == 202 and json.loads(body)["BatchSize"] == 7  # UpdateEventSourceMapping answers 202
    code, h, _ = request(f"{emu.endpoint}/_esm/mappings", headers={"Origin": "http://evil.example"})
    assert code == 200 and not any(k.lower().startswith("access-control-") for k in h)
    code, h, body = request(emu.endpoint + "/")
    assert code == 200 and h["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in h["Content-Security-Policy"] and h["X-Frame-Options"] == "DENY"
    emu.stop()


KEY = ("AKIADASHBOARD", "dashboard-secret-key")
TOKEN = "dashboard-token-0123456789"
SECRET_VALUE = "kafka-password-never-shown"


def test_with_sigv4_the_dashboard_needs_its_token_and_shows_no_secret(tmp_path, kafka_port, function_sink):
    base = [f"--embedded-kafka=127.0.0.1:{kafka_port}", "--embedded-kafka-topic", "ok:1",
            "--function", f"f={function_sink.url}", "--require-sigv4", "--credentials", f"{KEY[0]}:{KEY[1]}"]
    off = Emulator(tmp_path, base)
    off.start()
    code, h, body = request(off.endpoint + "/")
    assert (code, h.get("X-Amzn-ErrorType")) == (403, "AccessDeniedException") and "--dashboard-token" in body
    code, h, _ = request(off.endpoint + "/_esm/mappings", headers={"X-Esm-Dashboard-Token": TOKEN})
    assert (code, h.get("X-Amzn-ErrorType")) == (403, "AccessDeniedException")
    off.stop()

    emu = Emulator(tmp_path, base + ["--dashboard-token", TOKEN])
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    emu.start()
    sm = boto3.client("secretsmanager", endpoint_url=emu.endpoint, region_name="us-east-1",
                      aws_access_key_id=KEY[0], aws_secret_access_key=KEY[1])
    arn = sm.create_secret(Name="kafka/creds",
                           SecretString=json.dumps({"username": "u", "password": SECRET_VALUE}))["ARN"]
    c = make_clients(emu.endpoint, KEY)["boto3"]
    m = create(c, emu, "ok", SourceAccessConfigurations=[{"Type": "SASL_SCRAM_512_AUTH", "URI": arn}])
    assert request(emu.endpoint + "/")[0] == 200  # the page itself holds no data
    assert request(emu.endpoint + "/_esm/mappings")[0] == 403  # unsigned, no token
    code, h, _ = request(emu.endpoint + "/_esm/mappings", headers={"X-Esm-Dashboard-Token": TOKEN + "x"})
    assert (code, h.get("X-Amzn-ErrorType")) == (403, "AccessDeniedException")
    code, _, body = request(f"{emu.endpoint}/_esm/mappings/{m['UUID']}", headers={"X-Esm-Dashboard-Token": TOKEN})
    assert code == 200 and SECRET_VALUE not in body
    # The token opens the Lambda and status APIs, never Secrets Manager's.
    code, _, body = request(emu.endpoint + "/", "POST", {"SecretId": arn},
                            {"X-Esm-Dashboard-Token": TOKEN, "X-Amz-Target": "secretsmanager.GetSecretValue",
                             "Content-Type": "application/x-amz-json-1.1"})
    assert code == 403 and SECRET_VALUE not in body
    browse("token", SHOTS, url=emu.endpoint, token=TOKEN, uuid=m["UUID"], secret=SECRET_VALUE)
    emu.stop()
    assert TOKEN not in emu.logs()
