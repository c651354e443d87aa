"""SQS, SNS and S3 on-failure destinations (reference §8.8), written through the endpoint the
operator names (--aws-endpoint, --sqs-endpoint, ...) to moto's server from PyPI and read back with
boto3; the requests' SigV4 signatures recomputed with botocore's own signer."""
import base64
import http.server
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.request
import uuid as uuidlib

import boto3
import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ROOT, Emulator, assert_no_sanitizer_report, eventually, free_port
from test_error_handling import bad_value, cluster, create, offsets, produce, values  # noqa: F401 (cluster: a fixture)
from test_filtering import committed

AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIDLOCALTEST", "AWS_SECRET_ACCESS_KEY": "local-secret-key"}
ACCOUNT = "123456789012"  # moto's account for any access key that is not 12 digits
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:failures"
BUCKET_ARN = "arn:aws:s3:::failed-records"
UUID_RE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class Moto:
    """moto's server (`moto_server` from the suite's venv) on a loopback port."""

    def __init__(self, port=None, tls=None):
        """tls: (certificate file, key file, CA file): served over https, trusted by that CA."""
        self.port = port or free_port()
        self.verify = tls[2] if tls else None
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1",
                                      "-p", str(self.port), *(["-c", tls[0], "-k", tls[1]] if tls else [])],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        eventually(self._up, timeout=30, message="moto's server answering")

    def _up(self):
        try:
            import ssl
            context = ssl.create_default_context(cafile=self.verify) if self.verify else None
            with urllib.request.urlopen(self.url + "/moto-api/", timeout=1, context=context) as r:
                return r.status == 200
        except OSError:
            return False

    def client(self, service):
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1", verify=self.verify,
                            aws_access_key_id="test", aws_secret_access_key="test")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def moto():
    m = Moto()
    yield m
    m.stop()


def start(cluster, endpoint_args, env=AWS_ENV):
    """An emulator whose topic (`emu.topic`, one partition) is on `cluster`."""
    emu = cluster.start(["tp:1"], endpoint_args, env)
    emu.topic = cluster.t("tp")
    return emu


def give_up_one(emu, client, sink, destination, value="bad0"):
    """A mapping whose function fails `value` (one retry), then hands it to `destination`."""
    sink.fail = bad_value
    produce(emu.kafka_bootstrap, emu.topic, [value])
    return create(client, emu, emu.topic, MaximumRetryAttempts=1, BatchSize=10,
                  DestinationConfig={"OnFailure": {"Destination": destination}})


def check_document(doc, mapping, emu, offset=0):
    assert doc["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert doc["requestContext"]["functionArn"] == mapping["FunctionArn"]
    assert doc["requestContext"]["approximateInvokeCount"] == 2
    assert re.fullmatch(UUID_RE, doc["requestContext"]["requestId"])
    assert doc["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                      "functionError": "Unhandled"}
    assert doc["version"] == "1.0"
    info = doc["KafkaBatchInfo"]
    assert info["batchSize"] == 1 and info["bootstrapServers"] == emu.kafka_bootstrap
    partition = info["recordsInfo"][f"{emu.topic}-0"]
    assert partition["firstRecordOffset"] == partition["lastRecordOffset"] == str(offset)


def receive_all(sqs, url, count, timeout=30):
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    return got


def test_sqs_destination_gets_the_failure_document_and_delivery_goes_on(cluster, function_sink,
                                                                         clients_for, moto):
    sqs = moto.client("sqs")
    url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    emu = start(cluster, ["--aws-endpoint", moto.url])
    m = give_up_one(emu, clients_for(emu), function_sink, QUEUE_ARN)
    messages = receive_all(sqs, url, 1)
    assert len(messages) == 1
    doc = json.loads(messages[0]["Body"])
    check_document(doc, m, emu)
    assert "payload" not in doc  # SQS gets the metadata only
    produce(emu.kafka_bootstrap, emu.topic, ["good1"])
    eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], emu.topic) == 2, message="commit past both")
    assert offsets(function_sink, emu.topic) == [[0], [0], [1]]
    assert f"1 record(s) of partition 0 written to {QUEUE_ARN}" in emu.logs()
    emu.stop()
    assert_no_sanitizer_report(emu)


def test_sns_destination_publishes_to_the_topic_s_subscribers(cluster, function_sink, clients_for,
                                                              moto):
    sqs, sns = moto.client("sqs"), moto.client("sns")
    url = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert sns.create_topic(Name="failures")["TopicArn"] == TOPIC_ARN
    sns.subscribe(TopicArn=TOPIC_ARN, Protocol="sqs", Endpoint=queue_arn)
    # --sns-endpoint alone: the per-service flag.
    emu = start(cluster, ["--sns-endpoint", moto.url])
    m = give_up_one(emu, clients_for(emu), function_sink, TOPIC_ARN)
    messages = receive_all(sqs, url, 1)
    assert len(messages) == 1
    envelope = json.loads(messages[0]["Body"])
    assert envelope["Type"] == "Notification" and envelope["TopicArn"] == TOPIC_ARN
    check_document(json.loads(envelope["Message"]), m, emu)
    eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], emu.topic) == 1, message="commit past it")
    emu.stop()


def test_s3_destination_writes_the_document_with_the_payload_under_aws_s_key_layout(
        cluster, function_sink, clients_for, moto):
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="failed-records")
    emu = start(cluster, ["--aws-endpoint", moto.url])
    m = give_up_one(emu, clients_for(emu), function_sink, BUCKET_ARN, value="bad with spaces")
    objects = eventually(lambda: s3.list_objects_v2(Bucket="failed-records").get("Contents"),
                         message="an object in the bucket")
    assert len(objects) == 1
    key = objects[0]["Key"]
    # aws/lambda/<ESM-UUID>/<shard>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>, the shard being
    # the topic-partition.
    match = re.fullmatch(rf"aws/lambda/{m['UUID']}/{emu.topic}-0/(\d{{4}})/(\d\d)/(\d\d)/(\d{{4}})-(\d\d)-(\d\d)"
                         rf"T\d\d\.\d\d\.\d\d-{UUID_RE}", key)
    assert match and match.group(1, 2, 3) == match.group(4, 5, 6), key
    doc = json.loads(s3.get_object(Bucket="failed-records", Key=key)["Body"].read())
    check_document(doc, m, emu)
    payload = json.loads(doc["payload"])  # the whole event, as a JSON string (reference §11.6)
    assert payload["eventSource"] == "SelfManagedKafka"
    records = payload["records"][f"{emu.topic}-0"]
    assert [base64.b64decode(r["value"]).decode() for r in records] == ["bad with spaces"]
    eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], emu.topic) == 1, message="commit past it")
    emu.stop()


def test_without_an_endpoint_the_records_wait_with_a_problem(cluster, function_sink, clients_for):
    emu = start(cluster, [], env={})
    c = clients_for(emu)
    m = give_up_one(emu, c, function_sink, QUEUE_ARN)
    # After "Function call failed." for the function's failures, the destination's.
    result = eventually(lambda: (r := c.call("GetEventSourceMapping", UUID=m["UUID"])["LastProcessingResult"])
                        .startswith("PROBLEM: The on-failure") and r, message="the destination's PROBLEM")
    assert result == (f"PROBLEM: The on-failure destination {QUEUE_ARN} could not be written: no endpoint is "
                      "configured for sqs (start the emulator with --aws-endpoint URL or --sqs-endpoint URL)")
    produce(emu.kafka_bootstrap, emu.topic, ["good1"])
    # Nothing lost: the given-up record holds the partition (written again and again), nothing is
    # committed past it, the next record waits.
    retries = emu.logs().count("will retry")
    eventually(lambda: emu.logs().count("will retry") >= retries + 2, message="the write retried")
    assert committed(emu.kafka_bootstrap, m["UUID"], emu.topic) <= 0
    assert all(o == [0] for o in offsets(function_sink, emu.topic))
    emu.stop()


def test_a_destination_down_then_up_loses_nothing(cluster, function_sink, clients_for):
    port = free_port()
    emu = start(cluster, ["--sqs-endpoint", f"http://127.0.0.1:{port}"])
    c = clients_for(emu)
    m = give_up_one(emu, c, function_sink, QUEUE_ARN)
    eventually(lambda: "cannot connect to 127.0.0.1" in c.call("GetEventSourceMapping", UUID=m["UUID"])
               ["LastProcessingResult"], message="the destination reported unreachable")
    produce(emu.kafka_bootstrap, emu.topic, ["good1"])
    assert committed(emu.kafka_bootstrap, m["UUID"], emu.topic) <= 0
    moto = Moto(port)
    try:
        sqs = moto.client("sqs")
        url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        messages = receive_all(sqs, url, 1)
        assert len(messages) == 1
        check_document(json.loads(messages[0]["Body"]), m, emu)
        eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], emu.topic) == 2, message="commit past both")
        eventually(lambda: c.call("GetEventSourceMapping", UUID=m["UUID"])["LastProcessingResult"] == "OK")
        assert offsets(function_sink, emu.topic)[-1] == [1]
    finally:
        moto.stop()
        emu.stop()


class Recorder:
    """An HTTP endpoint that records each request and answers 200, standing in for SQS, SNS and S3
    to show what the emulator sends."""

    def __init__(self):
        self.requests = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def handle_any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                recorder.requests.append({"method": self.command, "path": self.path,
                                          "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = handle_any

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def botocore_signature(request, service, region):
    """The signature botocore's signer computes for the request, over the headers it signed."""
    auth_header = request["headers"]["authorization"]
    signed = re.search(r"SignedHeaders=([^,]+)", auth_header).group(1).split(";")
    headers = {name: request["headers"][name] for name in signed if name != "host"}
    aws_request = AWSRequest(method=request["method"], url="http://" + request["headers"]["host"] + request["path"],
                             data=request["body"], headers=headers)
    aws_request.context["timestamp"] = request["headers"]["x-amz-date"]
    signer = (S3SigV4Auth if service == "s3" else SigV4Auth)(
        Credentials(AWS_ENV["AWS_ACCESS_KEY_ID"], AWS_ENV["AWS_SECRET_ACCESS_KEY"]), service, region)
    canonical = signer.canonical_request(aws_request)
    return signer.signature(signer.string_to_sign(aws_request, canonical), aws_request), signed


@pytest.mark.parametrize("destination,service", [(QUEUE_ARN, "sqs"), (TOPIC_ARN, "sns"), (BUCKET_ARN, "s3")])
def test_requests_are_signed_as_botocore_signs_them(cluster, function_sink, clients_for,
                                                    destination, service):
    recorder = Recorder()
    try:
        emu = start(cluster, [f"--{service}-endpoint", recorder.url + "/base"])
        m = give_up_one(emu, clients_for(emu), function_sink, destination, value="bad ünïcode/?&=")
        eventually(lambda: recorder.requests, message="a request at the endpoint")
        eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], emu.topic) == 1, message="commit past it")
        request = recorder.requests[0]
        assert request["path"].startswith("/base/")
        auth = request["headers"]["authorization"]
        assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={AWS_ENV['AWS_ACCESS_KEY_ID']}/"
                               f"{request['headers']['x-amz-date'][:8]}/us-east-1/{service}/aws4_request, ")
        signature, signed = botocore_signature(request, service, "us-east-1")
        assert "host" in signed and "x-amz-date" in signed and "x-amz-content-sha256" in signed
        assert auth.endswith(f"Signature={signature}")
        emu.stop()
    finally:
        recorder.close()


class Holding:
    """An endpoint that takes each request and never answers: a destination write in flight."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.received = threading.Event()
        self.conns = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if conn.recv(65536):
                self.received.set()

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


REAL_KAFKA = os.environ.get("ESM_REAL_KAFKA")


@pytest.mark.skipif(not REAL_KAFKA, reason="no real broker (scripts/kafka.sh start; ESM_REAL_KAFKA)")
def test_kill_9_during_a_destination_write_loses_nothing(tmp_path, function_sink, clients_for, moto):
    """On a real broker: killed while an SQS write is in flight (the endpoint holds it), restarted on
    the same data directory with a working endpoint: every good record reached the function, every
    bad one is in the queue (duplicates allowed), the group ends committed past all."""
    from confluent_kafka.admin import AdminClient, NewTopic
    topic = f"esm-dest-{uuidlib.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": REAL_KAFKA})  # held: its futures need the handle
    for f in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).values():
        f.result(30)
    sqs = moto.client("sqs")
    url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    holding = Holding()
    emu = Emulator(tmp_path, ["--function", f"f={function_sink.url}", "--sqs-endpoint", holding.url],
                   data_dir=tmp_path / "data", env=AWS_ENV)
    emu.kafka_bootstrap = REAL_KAFKA
    emu.start()
    records = [f"bad{i}" if i in (3, 11) else f"ok{i}" for i in range(20)]
    produce(REAL_KAFKA, topic, records)
    function_sink.fail = bad_value
    try:
        m = create(clients_for(emu), emu, topic, MaximumRetryAttempts=1, BatchSize=1,
                   MaximumBatchingWindowInSeconds=0, DestinationConfig={"OnFailure": {"Destination": QUEUE_ARN}})
        assert holding.received.wait(60), "no destination write arrived"
        emu.kill9()
    finally:
        holding.close()
    emu.args[emu.args.index(holding.url)] = moto.url
    emu.start()
    good = {r for r in records if r.startswith("ok")}
    seen = lambda: {v for e in function_sink.events if not e["failed"] for _, _, v in values(e["event"])}
    eventually(lambda: good <= seen(), timeout=90, message="every good record delivered")
    assert eventually(lambda: committed(REAL_KAFKA, m["UUID"], topic) == 20, timeout=60)
    docs = [json.loads(msg["Body"]) for msg in receive_all(sqs, url, 100, timeout=5)]  # all
    assert {d["KafkaBatchInfo"]["recordsInfo"][f"{topic}-0"]["firstRecordOffset"] for d in docs} == {"3", "11"}
    emu.stop()
