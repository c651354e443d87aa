"""Opt-in SigV4 (--require-sigv4 with --credentials AK:SK): the real clients signing with a
configured key pass, on the Lambda and the Secrets Manager APIs; a wrong secret, an unknown key,
no signature, a malformed one, a skewed clock, a tampered or expired presigned URL get AWS's 403
errors and change nothing. Off by default (the rest of the suite sends any keys, or none)."""
import datetime
import hashlib
import hmac
import http.client
import json
import subprocess
import urllib.parse

import boto3
import pytest
from botocore.exceptions import ClientError

from clients import CLIENT_NAMES, MODEL_HAS_ESM_ARN_AND_TAGS, ApiError, make_clients
from conftest import BINARY, Emulator, assert_no_sanitizer_report, eventually

KEYS = [("AKIAEMULATOR1", "first-secret-key"), ("AKIAEMULATOR2", "second/secret+key=")]
WRONG_SECRET = (KEYS[0][0], "not-the-secret")
UNKNOWN_KEY = ("AKIANOBODY", "whatever")
MISMATCH = "The request signature we calculated does not match the signature you provided."


@pytest.fixture
def signed(tmp_path, kafka_port, function_sink):
    args = [f"--embedded-kafka=127.0.0.1:{kafka_port}", "--embedded-kafka-topic", "orders:1",
            "--function", f"orders={function_sink.url}", "--require-sigv4"]
    for ak, sk in KEYS:
        args += ["--credentials", f"{ak}:{sk}"]
    emu = Emulator(tmp_path, args)
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    emu.start()
    yield emu
    emu.stop()
    assert_no_sanitizer_report(emu)
    for _, secret in KEYS:
        assert secret not in emu.logs(), "a secret key reached the log"


def mapping_params(emu):
    return {"FunctionName": "orders", "Topics": ["orders"], "StartingPosition": "LATEST",
            "SourceAccessConfigurations": [{"Type": "VPC_SUBNET", "URI": "subnet:subnet-0123"}],
            "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [emu.kafka_bootstrap]}}}


def list_uuids(emu):
    return [m["UUID"] for m in make_clients(emu.endpoint, KEYS[0])["boto3"].call("ListEventSourceMappings")["EventSourceMappings"]]


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_each_client_signing_with_a_configured_key_passes(signed, name):
    client = make_clients(signed.endpoint, KEYS[1] if name in ("cli-v1", "js-sdk-v3") else KEYS[0])[name]
    created = client.call("CreateEventSourceMapping", **mapping_params(signed))
    uuid = created["UUID"]
    eventually(lambda: client.call("GetEventSourceMapping", UUID=uuid)["State"] == "Enabled", message="Enabled")
    assert uuid in [m["UUID"] for m in client.call("ListEventSourceMappings", FunctionName="orders")["EventSourceMappings"]]
    assert client.call("UpdateEventSourceMapping", UUID=uuid, BatchSize=7)["BatchSize"] == 7
    if MODEL_HAS_ESM_ARN_AND_TAGS[name]:
        # The ARN travels percent-encoded in the path: signed as encoded twice.
        arn = created["EventSourceMappingArn"]
        client.call("TagResource", Resource=arn, Tags={"team": "a b/c"})
        assert client.call("ListTags", Resource=arn)["Tags"] == {"team": "a b/c"}
        client.call("UntagResource", Resource=arn, TagKeys=["team"])
    eventually(lambda: client.call("GetEventSourceMapping", UUID=uuid)["State"] == "Enabled", message="Enabled")
    assert client.call("DeleteEventSourceMapping", UUID=uuid)["State"] == "Deleting"


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_a_wrong_secret_or_an_unknown_key_is_refused_and_changes_nothing(signed, name):
    for keys, code in ((WRONG_SECRET, "InvalidSignatureException"), (UNKNOWN_KEY, "UnrecognizedClientException")):
        client = make_clients(signed.endpoint, keys)[name]
        with pytest.raises(ApiError) as e:
            client.call("CreateEventSourceMapping", **mapping_params(signed))
        assert e.value.code == code
        assert e.value.status in (None, 403)  # the CLIs do not show the status
        if code == "InvalidSignatureException":
            assert MISMATCH in e.value.message
        else:
            assert e.value.message == "The security token included in the request is invalid."
    assert list_uuids(signed) == []


def secrets_client(emu, keys):
    return boto3.client("secretsmanager", endpoint_url=emu.endpoint, region_name="eu-west-1",
                        aws_access_key_id=keys[0], aws_secret_access_key=keys[1])


def test_secrets_manager_requires_the_signature_too(signed):
    good = secrets_client(signed, KEYS[1])
    arn = good.create_secret(Name="kafka/creds", SecretString='{"username":"u","password":"p"}')["ARN"]
    assert arn.startswith("arn:aws:secretsmanager:eu-west-1:")  # the signed scope's region
    for keys, code in ((WRONG_SECRET, "InvalidSignatureException"), (UNKNOWN_KEY, "UnrecognizedClientException")):
        with pytest.raises(ClientError) as e:
            secrets_client(signed, keys).get_secret_value(SecretId="kafka/creds")
        assert e.value.response["Error"]["Code"] == code
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # Debian's CLI v2, signing for secretsmanager with the first key.
    env = dict(make_clients(signed.endpoint, KEYS[0])["cli-v2"].env)
    out = subprocess.run(["/usr/bin/aws", "secretsmanager", "list-secrets", "--endpoint-url", signed.endpoint,
                          "--output", "json"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert [s["Name"] for s in json.loads(out.stdout)["SecretList"]] == ["kafka/creds"]
    # A Lambda signature is not a Secrets Manager one.
    status, headers, body = send(signed, "POST", "/", b"{}", {"content-type": "application/x-amz-json-1.1",
                                                               "x-amz-target": "secretsmanager.ListSecrets"}, service="lambda")
    assert status == 403 and headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert "Credential should be scoped to correct service: 'secretsmanager'" in (body.get("Message") or body.get("message"))


def sign(method, url, body=b"", headers=None, keys=KEYS[0], region="us-east-1", service="lambda", when=None):
    """An independent SigV4 signer (Authorization header form), for requests the SDKs will not
    make: with a chosen clock."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz = when.strftime("%Y%m%dT%H%M%SZ")
    parts = urllib.parse.urlsplit(url)
    headers = {"host": parts.netloc, "x-amz-date": amz, **(headers or {})}
    names = sorted(headers)
    query = "&".join(sorted(f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
                            for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)))
    canonical = "\n".join([method, urllib.parse.quote(parts.path or "/", safe="/~"), query,
                           "".join(f"{h}:{headers[h].strip()}\n" for h in names), ";".join(names),
                           hashlib.sha256(body).hexdigest()])
    scope = f"{amz[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + keys[1]).encode()
    for part in (amz[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={keys[0]}/{scope}, "
                                f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return headers


def send(emu, method, target, body=b"", headers=None, signed_by=KEYS[0], service="lambda", when=None, raw_headers=None):
    """One request; signed by `signed_by` unless raw_headers are given. (status, headers, JSON)."""
    host, port = emu.endpoint.removeprefix("http://").split(":")
    if raw_headers is None:
        raw_headers = sign(method, emu.endpoint + target, body, headers, signed_by, service=service, when=when)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, target, body=body, headers=raw_headers)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, json.loads(data) if data else {}
    finally:
        conn.close()


LIST = "/2015-03-31/event-source-mappings?FunctionName=orders"


def test_an_independent_signer_agrees_and_the_clock_may_be_off_by_up_to_15_minutes(signed):
    now = datetime.datetime.now(datetime.timezone.utc)
    assert send(signed, "GET", LIST)[0] == 200
    assert send(signed, "GET", LIST, when=now - datetime.timedelta(minutes=14))[0] == 200
    assert send(signed, "GET", LIST, when=now + datetime.timedelta(minutes=14))[0] == 200
    status, headers, body = send(signed, "GET", LIST, when=now - datetime.timedelta(minutes=16))
    assert status == 403 and headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert body["message"].startswith("Signature expired: ") and "(" in body["message"] and "- 15 min.)" in body["message"]
    status, headers, body = send(signed, "GET", LIST, when=now + datetime.timedelta(minutes=16))
    assert status == 403 and body["message"].startswith("Signature not yet current: ")


def test_unsigned_or_malformed_requests_get_403_and_health_stays_open(signed):
    status, headers, body = send(signed, "GET", LIST, raw_headers={})
    assert status == 403 and headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert body == {"message": "Missing Authentication Token"} and headers["x-amzn-requestid"]
    assert send(signed, "GET", "/health", raw_headers={})[0] == 200
    good = sign("GET", signed.endpoint + LIST)
    for name, broken in {
        "no Signature": good["authorization"].rsplit(", Signature=", 1)[0],
        "another algorithm": good["authorization"].replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
        "short scope": good["authorization"].replace("/lambda/aws4_request", "/aws4_request"),
    }.items():
        status, headers, body = send(signed, "GET", LIST, raw_headers=dict(good, authorization=broken))
        assert status == 403 and headers["x-amzn-errortype"] == "IncompleteSignatureException", name
    # Host must be signed; a header that was signed must not change.
    status, _, body = send(signed, "GET", LIST, raw_headers=dict(good, authorization=good["authorization"].replace("host;", "")))
    assert status == 403
    status, _, body = send(signed, "GET", LIST.replace("orders", "others"), raw_headers=good)
    assert status == 403 and body["message"].startswith(MISMATCH)
    no_date = {k: v for k, v in good.items() if k != "x-amz-date"}
    status, headers, body = send(signed, "GET", LIST, raw_headers=no_date)
    assert status == 403 and headers["x-amzn-errortype"] == "IncompleteSignatureException"
    assert "X-Amz-Date" in body["message"]


def test_presigned_urls_pass_and_tampering_or_expiry_fails(signed):
    client = make_clients(signed.endpoint, KEYS[0])["boto3"]
    uuid = client.call("CreateEventSourceMapping", **mapping_params(signed))["UUID"]
    url = client.client.generate_presigned_url("get_event_source_mapping", Params={"UUID": uuid}, ExpiresIn=300)
    target = url.removeprefix(signed.endpoint)
    status, _, body = send(signed, "GET", target, raw_headers={})
    assert status == 200 and body["UUID"] == uuid
    tampered = target[:-1] + ("0" if target[-1] != "0" else "1")
    status, headers, body = send(signed, "GET", tampered, raw_headers={})
    assert status == 403 and headers["x-amzn-errortype"] == "InvalidSignatureException"
    other = target.replace("X-Amz-Expires=300", "X-Amz-Expires=301")
    assert send(signed, "GET", other, raw_headers={})[0] == 403
    # Signed 10 minutes ago for 60 s: expired.
    old = make_clients(signed.endpoint, KEYS[0])["boto3"].client
    import botocore.auth
    real_now = botocore.auth.datetime.datetime

    class Past(real_now):
        @classmethod
        def utcnow(cls):
            return real_now.utcnow() - datetime.timedelta(minutes=10)

        @classmethod
        def now(cls, tz=None):
            return real_now.now(tz) - datetime.timedelta(minutes=10)

    botocore.auth.datetime.datetime = Past
    try:
        stale = old.generate_presigned_url("get_event_source_mapping", Params={"UUID": uuid}, ExpiresIn=60)
    finally:
        botocore.auth.datetime.datetime = real_now
    status, headers, body = send(signed, "GET", stale.removeprefix(signed.endpoint), raw_headers={})
    assert status == 403 and body["message"].startswith("Signature expired: "), body


def test_the_flags_are_checked_and_never_echo_a_secret(tmp_path):
    def run(*args):
        return subprocess.run([str(BINARY), "--ephemeral", "--listen", "127.0.0.1:0", *args],
                              capture_output=True, text=True, timeout=30)
    out = run("--require-sigv4")
    assert out.returncode != 0 and "--require-sigv4 needs at least one --credentials" in out.stderr
    out = run("--credentials", "AKIA1:s3cr3t-value")
    assert out.returncode != 0 and "--credentials applies only with --require-sigv4" in out.stderr
    out = run("--require-sigv4", "--credentials", "no-colon-s3cr3t")
    assert out.returncode != 0 and "--credentials: expected ACCESS_KEY:SECRET_KEY" in out.stderr
    assert "s3cr3t" not in out.stderr


def test_off_by_default_any_keys_or_none_pass(emulator):
    client = make_clients(emulator.endpoint, UNKNOWN_KEY)["boto3"]
    assert client.call("ListEventSourceMappings")["EventSourceMappings"] == []
    assert send(emulator, "GET", LIST, raw_headers={})[0] == 200
