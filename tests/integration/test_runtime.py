"""runtime:COMMAND functions: the user's unmodified handler run as a local process through the
Lambda Runtime API the emulator serves, with AWS's official Python runtime interface client
(awslambdaric from PyPI; the handler parses the event with AWS Lambda Powertools), a shell
bootstrap of a custom runtime (curl), a Go handler built with aws-lambda-go, a Java handler
run by AWS's Java runtime interface client (Maven Central) and a Node.js handler run by AWS's
Node.js runtime interface client (aws-lambda-ric from npm). Warm
environments, concurrency, function errors, a timeout, a crash and an init failure, each as
Lambda reports it."""
import base64
import functools
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading

import boto3
import pytest
from botocore.config import Config

from conftest import ROOT, Emulator, assert_no_sanitizer_report, eventually
from test_error_handling import create, produce

RUNTIMES = ROOT / "tests" / "integration" / "runtimes"
PYTHON = ROOT / ".venv" / "bin" / "python"
ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


@pytest.fixture
def hosted(tmp_path, kafka_port):
    out = tmp_path / "out"
    out.mkdir()
    ric = f"runtime:cd {RUNTIMES} && exec {PYTHON} -m awslambdaric handler.handler"
    emu = Emulator(tmp_path, [
        f"--embedded-kafka=127.0.0.1:{kafka_port}", "--embedded-kafka-topic", "py-orders:2",
        "--embedded-kafka-topic", "sh-orders:1",
        "--function", f"py={ric},memory=256,concurrency=2,timeout=3",
        "--function", f"sh=runtime:{RUNTIMES / 'bootstrap.sh'},handler=my.handler",
        "--function", "broken=runtime:echo 'no runtime here' >&2; exit 4",
    ], env={"OUT_DIR": str(out)})
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    emu.out = out
    emu.start()
    emu.lam = lambda_client(emu)
    yield emu
    emu.stop()
    assert_no_sanitizer_report(emu)


def seen(emu):
    return [json.loads(p.read_text()) for p in sorted(emu.out.glob("*-*.json"))]


def lambda_client(emu):
    return boto3.client("lambda", endpoint_url=emu.endpoint, region_name="us-east-1",
                        aws_access_key_id="AK", aws_secret_access_key="SK",
                        config=Config(retries={"max_attempts": 1}, read_timeout=60))


def kafka_event(value, offset=0):
    """A one-record Kafka event as the ESM sends it, for invoking a handler directly."""
    return {"eventSource": "SelfManagedKafka", "records": {"t-0": [
        {"topic": "t", "partition": 0, "offset": offset, "value": base64.b64encode(value.encode()).decode()}]}}


def one_function_emulator(tmp_path, kafka_port, declaration):
    """An emulator with embedded Kafka (topic NAME-orders, 2 partitions) and one function; its
    handler writes what it saw into tmp_path ($OUT_DIR)."""
    name = declaration.split("=", 1)[0]
    emu = Emulator(tmp_path, [
        f"--embedded-kafka=127.0.0.1:{kafka_port}", "--embedded-kafka-topic", f"{name}-orders:2",
        "--function", declaration], env={"OUT_DIR": str(tmp_path)})
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    emu.out = tmp_path
    return emu.start()


def deliver_abc(emu, clients_for, name):
    """Records a, b (partition 0) and c (partition 1) through a mapping to the function: what the
    handler saw, once it saw all three."""
    produce(emu.kafka_bootstrap, f"{name}-orders", ["a", "b"], partition=0)
    produce(emu.kafka_bootstrap, f"{name}-orders", ["c"], partition=1)
    create(clients_for(emu), emu, f"{name}-orders", FunctionName=name, BatchSize=10)
    return eventually(lambda: sorted(v for s in seen(emu) for v in s["values"]) == ["a", "b", "c"] and seen(emu),
                      timeout=60, message=f"the {name} handler decoded every record")


def assert_fails_as_lambda_reports(emu, name, error_type):
    """Invoked directly with a record "fail", the handler's error comes back as Lambda shapes it:
    FunctionError Unhandled, the runtime client's errorMessage and errorType; the document."""
    r = lambda_client(emu).invoke(FunctionName=name, Payload=json.dumps(kafka_event("fail")).encode())
    doc = json.loads(r["Payload"].read())
    assert r["FunctionError"] == "Unhandled" and doc["errorMessage"] == "asked to fail"
    assert doc["errorType"] == error_type
    return doc


def invoke(emu, name, payload):
    r = emu.lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    return r.get("FunctionError"), json.loads(r["Payload"].read())


def test_a_mapping_delivers_to_an_unmodified_python_handler(hosted, clients_for):
    produce(hosted.kafka_bootstrap, "py-orders", ["a", "b"], partition=0)
    produce(hosted.kafka_bootstrap, "py-orders", ["c"], partition=1)
    m = create(clients_for(hosted), hosted, "py-orders", FunctionName="py", BatchSize=10)
    got = eventually(lambda: sorted(v for s in seen(hosted) for v in s["values"]) == ["a", "b", "c"] and seen(hosted),
                     message="the handler parsed every record")
    first = got[0]
    assert first["event"]["eventSource"] == "SelfManagedKafka"
    assert first["arn"] == ARN + "py" and first["name"] == "py" and first["memory"] == "256"
    assert 0 < first["remaining_ms"] <= 3000 and first["log_group"] == "/aws/lambda/py"
    status = eventually(lambda: (s := json.loads(__import__("urllib.request").request.urlopen(
        f"{hosted.endpoint}/_esm/mappings/{m['UUID']}").read()))["OffsetLag"] == 0 and s["Invocations"] and s,
        message="committed")
    inv = status["Invocations"][-1]
    assert inv["Outcome"] == "Success" and json.loads(inv["Response"])["values"]
    # The request id the status API records is the handler's context.aws_request_id.
    assert {s["request_id"] for s in got} <= {i["RequestId"] for i in status["Invocations"]}
    logs = hosted.logs()
    assert "START RequestId: " in logs and "REPORT RequestId: " in logs and "Init Duration: " in logs
    assert "Memory Size: 256 MB" in logs and "handled " in logs  # the handler's stdout, in the log


def test_a_shell_custom_runtime_gets_the_event_and_lambda_s_headers(hosted, clients_for):
    produce(hosted.kafka_bootstrap, "sh-orders", ["x"])
    create(clients_for(hosted), hosted, "sh-orders", FunctionName="sh", BatchSize=10)
    event = eventually(lambda: [s for s in seen(hosted) if "records" in s] or None, message="an event")[0]
    assert list(event["records"]) == ["sh-orders-0"]
    error, answer = invoke(hosted, "sh", {"ping": 1})
    assert error is None and answer["function"] == "sh" and answer["handler"] == "my.handler"
    assert answer["deadline"] > 0


def test_log_type_tail_carries_what_the_handler_printed(hosted):
    """LogType Tail: the invocation's own lines, as CloudWatch shows them: START, the handler's
    print, END and REPORT with the function's memory size (a cold start adds Init Duration)."""
    tails = []
    for n in range(3):
        r = hosted.lam.invoke(FunctionName="py", LogType="Tail", Payload=json.dumps({"n": n}).encode())
        assert "FunctionError" not in r
        tails.append(base64.b64decode(r["LogResult"]).decode())
    for tail in tails:
        lines = tail.splitlines()
        assert lines[0].startswith("START RequestId: ") and lines[-2].startswith("END RequestId: ")
        assert "handled 0 record(s)" in lines[1:-2]
        assert lines[-1].startswith("REPORT RequestId: ") and "Memory Size: 256 MB" in lines[-1]
    assert "Init Duration: " in tails[0] and "Init Duration: " not in tails[1]


def test_warm_environments_concurrency_and_failures(hosted):
    _, one = invoke(hosted, "py", {"n": 1})
    _, two = invoke(hosted, "py", {"n": 2})
    assert one["pid"] == two["pid"]  # warm: the same environment
    # Two at once: two environments (concurrency=2).
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(invoke(hosted, "py", {"action": "sleep", "seconds": 1})))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len({a[1]["pid"] for a in answers}) == 2
    # A handler's exception: a function error with its type; the environment stays.
    error, doc = invoke(hosted, "py", {"action": "fail"})
    assert error == "Unhandled" and doc["errorType"] == "ValueError" and doc["errorMessage"] == "asked to fail"
    # Past the timeout: killed, "Task timed out", replaced by a new environment.
    error, doc = invoke(hosted, "py", {"action": "sleep", "seconds": 10})
    assert error == "Unhandled" and doc["errorMessage"] == "Task timed out after 3.00 seconds"
    # A crash mid-invocation: Runtime.ExitError.
    error, doc = invoke(hosted, "py", {"action": "exit"})
    assert error == "Unhandled" and doc["errorType"] == "Runtime.ExitError"
    _, after = invoke(hosted, "py", {"n": 3})
    assert after["pid"] not in {a[1]["pid"] for a in answers}  # both earlier environments were replaced
    # A runtime that exits before asking for work: an init failure, reported, not a hang.
    error, doc = invoke(hosted, "broken", {})
    assert error == "Unhandled" and "Runtime" in doc["errorType"]
    assert "no runtime here" in hosted.logs()


def test_functions_file_declares_runtime_options_and_env(tmp_path):
    """--functions JSON: a runtime: handler with handler/memory/env, an exec: command with env;
    the handler sees the operator's variables beside Lambda's, GetFunction shows them."""
    declarations = {
        "py": {"target": f"runtime:cd {RUNTIMES} && exec {PYTHON} -m awslambdaric handler.handler",
               "handler": "handler.handler", "memory": 512, "timeout": 5,
               "env": {"ORDERS_TABLE": "orders-local", "TZ": "Europe/Paris"}},
        "sh": {"target": "exec:printf '{\"mode\":\"%s\"}' \"$MODE\"", "env": {"MODE": "echo"}},
    }
    path = tmp_path / "functions.json"
    path.write_text(json.dumps(declarations))
    emu = Emulator(tmp_path, ["--functions", str(path)], env={"OUT_DIR": str(tmp_path)})
    emu.start()
    try:
        lam = lambda_client(emu)
        r = lam.invoke(FunctionName="py", Payload=json.dumps(
            {"action": "env", "keys": ["ORDERS_TABLE", "TZ", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "_HANDLER"]}))
        assert "FunctionError" not in r
        assert json.loads(r["Payload"].read()) == {"ORDERS_TABLE": "orders-local", "TZ": "Europe/Paris",
                                                   "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
                                                   "_HANDLER": "handler.handler"}
        r = lam.invoke(FunctionName="sh", Payload=b"{}")
        assert json.loads(r["Payload"].read()) == {"mode": "echo"}
        config = lam.get_function(FunctionName="py")["Configuration"]
        assert config["Environment"]["Variables"] == declarations["py"]["env"]
        assert config["Handler"] == "handler.handler" and config["MemorySize"] == 512 and config["Timeout"] == 5
    finally:
        emu.stop()
        assert_no_sanitizer_report(emu)


def test_functions_file_refuses_lambda_s_reserved_variables(tmp_path):
    path = tmp_path / "functions.json"
    path.write_text(json.dumps({"py": {"target": "runtime:true", "env": {"AWS_REGION": "eu-west-1"}}}))
    emu = Emulator(tmp_path, ["--functions", str(path)])
    assert emu.start(expect_exit=True).wait(20) != 0
    assert "Reserved keys used in this request: AWS_REGION" in emu.logs()


@functools.lru_cache(maxsize=1)
def go_handler():
    """tests/integration/runtimes/go built with the machine's Go (aws-lambda-go from the Go module
    proxy, go.sum pinned); Go's build cache makes a rebuild quick."""
    out = pathlib.Path(tempfile.mkdtemp(prefix="esm-go-handler-")) / "handler"
    subprocess.run(["go", "build", "-o", str(out), "."], cwd=RUNTIMES / "go", check=True, timeout=600,
                   env=dict(os.environ, CGO_ENABLED="0"))
    return out


def test_a_go_handler_built_with_aws_lambda_go(tmp_path, kafka_port, clients_for):
    """AWS's Go library (lambda.Start, events.KafkaEvent, lambdacontext) against the Runtime API:
    the event decoded into its Kafka type, the context's request id, ARN, memory and deadline."""
    emu = one_function_emulator(tmp_path, kafka_port, f"go=runtime:{go_handler()},memory=256,timeout=4")
    try:
        got = deliver_abc(emu, clients_for, "go")
        first = got[0]
        assert first["event"]["eventSource"] == "SelfManagedKafka"
        records = [r for rs in first["event"]["records"].values() for r in rs]
        assert records and all(r["topic"] == "go-orders" and r["offset"] >= 0 for r in records)
        assert first["arn"] == ARN + "go" and first["name"] == "go" and first["memory"] == 256
        assert 0 < first["remaining_ms"] <= 4000 and len(first["request_id"]) == 36
        assert_fails_as_lambda_reports(emu, "go", "errorString")  # aws-lambda-go's name for errors.New
    finally:
        emu.stop()
        assert_no_sanitizer_report(emu)


@functools.lru_cache(maxsize=1)
def java_handler():
    """tests/integration/runtimes/java compiled against AWS's Java runtime interface client and
    aws-lambda-java-events from Maven Central (scripts/maven_classpath.sh); the command that runs
    it as Lambda's java runtimes do (the client's AWSLambda main class, handler Class::method)."""
    libs = subprocess.run(
        ["bash", str(ROOT / "scripts" / "maven_classpath.sh"), "java-lambda-ric-2.10.1",
         "com.amazonaws:aws-lambda-java-runtime-interface-client:2.10.1",
         "com.amazonaws:aws-lambda-java-events:3.16.1"],
        check=True, capture_output=True, text=True, timeout=600).stdout.strip()
    classes = pathlib.Path(tempfile.mkdtemp(prefix="esm-java-handler-"))
    subprocess.run(["javac", "-d", str(classes), "-cp", libs, "KafkaHandler.java"],
                   cwd=RUNTIMES / "java", check=True, timeout=300)
    return (f"java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp {classes}:{libs} "
            "com.amazonaws.services.lambda.runtime.api.client.AWSLambda "
            "example.KafkaHandler::handleRequest")


def test_a_java_handler_run_by_aws_s_java_runtime_interface_client(tmp_path, kafka_port, clients_for):
    """A RequestHandler<KafkaEvent, ...>: the event deserialized into aws-lambda-java-events'
    KafkaEvent by the client, the Context's request id, ARN, memory and remaining time."""
    emu = one_function_emulator(tmp_path, kafka_port, f"java=runtime:{java_handler()},memory=512,timeout=20")
    try:
        got = deliver_abc(emu, clients_for, "java")
        first = got[0]
        assert first["event_source"] == "SelfManagedKafka" and first["records"] == len(first["values"])
        assert first["arn"] == ARN + "java" and first["name"] == "java" and first["memory"] == 512
        assert 0 < first["remaining_ms"] <= 20000 and len(first["request_id"]) == 36
        assert assert_fails_as_lambda_reports(emu, "java", "java.lang.IllegalStateException")["stackTrace"]
        r = lambda_client(emu).invoke(FunctionName="java", Payload=json.dumps(kafka_event("z", offset=7)).encode())
        assert "FunctionError" not in r and json.loads(r["Payload"].read()) == {"values": ["z"], "records": ["t@0:7"]}
    finally:
        emu.stop()
        assert_no_sanitizer_report(emu)


NODE_RIC = RUNTIMES / "node" / "node_modules" / ".bin" / "aws-lambda-ric"


def test_a_node_handler_run_by_aws_s_node_runtime_interface_client(tmp_path, kafka_port, clients_for):
    """An async handler(event, context) in index.js started as Lambda's nodejs runtimes start it
    (aws-lambda-ric index.handler, installed by scripts/setup.sh): the event, the context's request
    id, ARN, memory, log group and remaining time; a thrown TypeError with its stack; the client's
    own log line in the Tail."""
    emu = one_function_emulator(
        tmp_path, kafka_port, f"node=runtime:cd {RUNTIMES / 'node'} && exec {NODE_RIC} index.handler,memory=384,timeout=10")
    try:
        got = deliver_abc(emu, clients_for, "node")
        first = got[0]
        assert first["event"]["eventSource"] == "SelfManagedKafka"
        assert first["arn"] == ARN + "node" and first["name"] == "node" and first["memory"] == 384
        assert 0 < first["remaining_ms"] <= 10000 and len(first["request_id"]) == 36
        assert first["log_group"] == "/aws/lambda/node"
        doc = assert_fails_as_lambda_reports(emu, "node", "TypeError")
        assert any("index.js" in line for line in doc["trace"])
        r = lambda_client(emu).invoke(FunctionName="node", LogType="Tail",
                                      Payload=json.dumps(kafka_event("z", offset=7)).encode())
        assert json.loads(r["Payload"].read()) == {"values": ["z"], "records": ["t@0:7"]}
        tail = base64.b64decode(r["LogResult"]).decode()
        assert "\tINFO\thandled 1 record(s)" in tail and "REPORT RequestId:" in tail
    finally:
        emu.stop()
        assert_no_sanitizer_report(emu)
