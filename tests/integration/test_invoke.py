"""The Lambda Invoke and GetFunction APIs for declared functions: `aws lambda invoke` (CLI v1)
and boto3 run the declared HTTP and exec: functions with RequestResponse, Event and DryRun;
function errors carry X-Amz-Function-Error, LogType Tail the invocation's log; unknown names and
oversized payloads get AWS's errors."""
import base64
import json
import os
import subprocess

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from clients import CLI_V1
from conftest import Emulator, eventually


@pytest.fixture
def invoking(tmp_path, function_sink):
    script = tmp_path / "echo.sh"
    script.write_text('#!/bin/sh\necho "handling a payload" >&2\ncat\n')
    script.chmod(0o755)
    fail = tmp_path / "fail.sh"
    fail.write_text('#!/bin/sh\necho "it broke" >&2\nexit 3\n')
    fail.chmod(0o755)
    emu = Emulator(tmp_path, ["--function", f"web={function_sink.url},timeout=7",
                              "--function", f"echo=exec:{script}", "--function", f"broken=exec:{fail}"])
    emu.start()
    emu.lam = boto3.client("lambda", endpoint_url=emu.endpoint, region_name="us-east-1",
                           aws_access_key_id="AK", aws_secret_access_key="SK",
                           config=Config(retries={"max_attempts": 1}))
    yield emu
    emu.stop()


def test_aws_cli_invokes_a_declared_http_function(invoking, function_sink, tmp_path):
    out = tmp_path / "out.json"
    function_sink.respond = lambda event: json.dumps({"got": event}).encode()
    proc = subprocess.run([CLI_V1, "--endpoint-url", invoking.endpoint, "--region", "us-east-1", "lambda", "invoke",
                           "--function-name", "web",  # CLI v1 takes --payload as it is
                           "--payload", '{"order": 7}', str(out)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK"})
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["StatusCode"] == 200 and answer["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in answer
    assert json.loads(out.read_text()) == {"got": {"order": 7}}
    assert function_sink.events[-1]["event"] == {"order": 7}


def test_invocation_types_errors_and_log_tail(invoking, function_sink):
    lam = invoking.lam
    r = lam.invoke(FunctionName="echo", Payload=b'{"a": 1}', LogType="Tail")
    assert r["StatusCode"] == 200 and "FunctionError" not in r
    assert json.loads(r["Payload"].read()) == {"a": 1}
    log = base64.b64decode(r["LogResult"]).decode()
    assert log.startswith("START RequestId: ") and "handling a payload" in log and "REPORT RequestId: " in log
    # A function error: X-Amz-Function-Error, the error document, the log with what it printed.
    r = lam.invoke(FunctionName="broken", Payload=b"{}", LogType="Tail")
    assert r["StatusCode"] == 200 and r["FunctionError"] == "Unhandled"
    error = json.loads(r["Payload"].read())
    assert error["errorType"] == "Runtime.Unhandled" and "exit status 3" in error["errorMessage"]
    assert "it broke" in base64.b64decode(r["LogResult"]).decode()
    # Event: 202 at once, the function runs after; DryRun: 204, the function does not run.
    before = len(function_sink.events)
    assert lam.invoke(FunctionName="web", InvocationType="DryRun", Payload=b'{"n": 0}')["StatusCode"] == 204
    assert lam.invoke(FunctionName="web", InvocationType="Event", Payload=b'{"n": 1}')["StatusCode"] == 202
    eventually(lambda: len(function_sink.events) == before + 1, message="the Event invocation ran")
    assert function_sink.events[-1]["event"] == {"n": 1}
    function_sink.fail = lambda event: True
    r = lam.invoke(FunctionName=f"arn:aws:lambda:us-east-1:000000000000:function:web", Payload=b"{}")
    assert r["FunctionError"] == "Unhandled"


def test_unknown_functions_and_oversized_payloads_get_aws_errors(invoking, function_sink):
    lam = invoking.lam
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName="nobody", Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName="web", InvocationType="Event", Payload=b'"' + b"x" * (1024 * 1024) + b'"')
    assert e.value.response["Error"]["Code"] == "RequestTooLargeException"
    assert not function_sink.events
    with pytest.raises(ClientError) as e:
        lam.get_function(FunctionName="nobody")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    conf = lam.get_function(FunctionName="web")["Configuration"]
    assert conf["FunctionName"] == "web" and conf["Timeout"] == 7 and conf["State"] == "Active"
    assert conf["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:web"


def test_invocations_that_wait_hold_no_http_thread(tmp_path, function_sink):
    """Three Invokes of a function that takes 2 s, more than the emulator's two HTTP threads: every
    other request is still answered at once (the waiting ones are answered off those threads)."""
    import threading
    import time
    import urllib.request

    function_sink.delay = 2.0
    emu = Emulator(tmp_path, ["--function", f"slow={function_sink.url},timeout=10", "--http-threads", "2"])
    emu.start()
    lam = boto3.client("lambda", endpoint_url=emu.endpoint, region_name="us-east-1", aws_access_key_id="AK",
                       aws_secret_access_key="SK", config=Config(retries={"max_attempts": 1}, read_timeout=30))
    answers = []
    callers = [threading.Thread(target=lambda: answers.append(lam.invoke(FunctionName="slow", Payload=b"{}")))
               for _ in range(3)]
    for t in callers:
        t.start()
    # Two in the function at once: before, that was both HTTP threads.
    eventually(lambda: function_sink.connections >= 2, timeout=10, message="the invocations reached the function")
    assert not function_sink.events  # none has answered yet
    for _ in range(6):  # new connections, spread over both HTTP threads
        start = time.monotonic()
        with urllib.request.urlopen(emu.endpoint + "/health", timeout=5) as r:
            assert r.status == 200
        assert time.monotonic() - start < 1.0, "a request waited behind an invocation"
    for t in callers:
        t.join(30)
    assert [a["StatusCode"] for a in answers] == [200, 200, 200]
    emu.stop()
