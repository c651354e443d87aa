"""Kafka authentication end to end against the real secured broker that scripts/kafka.sh starts
(SASL_SSL with PLAIN and SCRAM users, an mTLS listener, a TLS-only listener, ACLs; described in
$ESM_REAL_KAFKA_DIR/secure.json): secrets created through the AWS CLI and boto3 against the
emulator, mappings naming them in SourceAccessConfigurations, records delivered through each
set-up; every failure mode stops the mapping with AWS's reason and text; fixing the cause and
updating the mapping delivers what waited, nothing lost; no secret value ever shows up in the
log, in API responses or in files beside the store."""
import base64
import json
import os
import pathlib
import subprocess
import uuid as uuidlib

import boto3
import botocore.config
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType, AdminClient, NewTopic,
                                   ResourcePatternType, ResourceType)

from clients import CLI_V2, CLIENT_ENV, make_clients
from conftest import Emulator, assert_no_sanitizer_report, eventually

RUN_DIR = os.environ.get("ESM_REAL_KAFKA_DIR")
if not RUN_DIR and os.environ.get("CI"):
    raise RuntimeError("CI must run the authentication tests: scripts/test.sh starts the secured broker")
pytestmark = pytest.mark.skipif(not RUN_DIR, reason="no secured broker (scripts/kafka.sh start DIR; set ESM_REAL_KAFKA_DIR=DIR)")
SECURE = json.loads((pathlib.Path(RUN_DIR) / "secure.json").read_text()) if RUN_DIR else {}
TLS_DIR = pathlib.Path(SECURE.get("tls_dir", "/nonexistent"))


def pem(name):
    return (TLS_DIR / name).read_text()


def key_body(text):
    """A line from the middle of a PEM block: what a leaked key would contain."""
    lines = [l for l in text.splitlines() if l and not l.startswith("-----")]
    return lines[len(lines) // 2]


class Auth:
    """One emulator with a function sink, a boto3 Secrets Manager client, and a record of every
    secret value used, scanned for leaks at the end."""

    def __init__(self, tmp_path, sink):
        self.emu = Emulator(tmp_path, ["--function", f"orders={sink.url}"])
        self.emu.start()
        self.sink = sink
        self.lam = make_clients(self.emu.endpoint)["boto3"]
        self.sm = boto3.client("secretsmanager", endpoint_url=self.emu.endpoint, region_name="us-east-1",
                               aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                               config=botocore.config.Config(retries={"max_attempts": 1}))
        self.secret_values = set()
        self.responses = []
        self.count = 0

    def secret(self, value, via="boto3"):
        """Creates a secret holding `value` (a dict is stored as JSON) and returns its ARN."""
        text = value if isinstance(value, str) else json.dumps(value)
        if isinstance(value, dict):
            for k in ("password", "privateKey", "privateKeyPassword"):
                if k in value:
                    self.secret_values.add(key_body(value[k]) if k == "privateKey" else value[k])
        self.count += 1
        name = f"kafka/{uuidlib.uuid4().hex[:8]}-{self.count}"
        if via == "cli":
            proc = subprocess.run([CLI_V2, "secretsmanager", "create-secret", "--name", name, "--secret-string", text,
                                   "--endpoint-url", self.emu.endpoint, "--output", "json"],
                                  capture_output=True, text=True, env=CLIENT_ENV, timeout=60)
            assert proc.returncode == 0, proc.stderr
            return json.loads(proc.stdout)["ARN"]
        return self.sm.create_secret(Name=name, SecretString=text)["ARN"]

    def create(self, topic, endpoint, sacs, group=None):
        m = self.lam.call("CreateEventSourceMapping", FunctionName="orders", Topics=[topic], BatchSize=10,
                          MaximumBatchingWindowInSeconds=0, SourceAccessConfigurations=sacs,
                          SelfManagedEventSource={"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [endpoint]}},
                          SelfManagedKafkaEventSourceConfig={"ConsumerGroupId": group or f"secure-g-{uuidlib.uuid4().hex[:8]}"})
        self.responses.append(m)
        return m

    def get(self, uuid):
        m = self.lam.call("GetEventSourceMapping", UUID=uuid)
        self.responses.append(m)
        return m

    def settled(self, uuid, state, timeout=60, result=None):
        """Waits for State (and LastProcessingResult when given): the function sees a batch before
        the emulator has read its answer and recorded the result."""
        return eventually(lambda: (m := self.get(uuid))["State"] == state
                          and (result is None or m["LastProcessingResult"] == result) and m,
                          timeout=timeout, message=f"mapping {state} {result or ''}")

    def assert_no_leak(self):
        self.responses.append(self.lam.call("ListEventSourceMappings"))
        text = json.dumps(self.responses, default=str) + self.emu.logs()
        for value in self.secret_values:
            assert value not in text, "a secret value leaked into the log or an API response"
        # The data directory holds the store (and SQLite's own WAL/SHM files) and nothing else.
        data = pathlib.Path(self.emu.data_dir)
        for f in data.iterdir():
            assert f.name.startswith("esm-emulator.db"), f"unexpected file {f} beside the store"

    def close(self):
        self.emu.stop()
        assert_no_sanitizer_report(self.emu)


@pytest.fixture
def auth(tmp_path, function_sink):
    a = Auth(tmp_path, function_sink)
    yield a
    try:
        a.assert_no_leak()
    finally:
        a.close()


@pytest.fixture
def admin():
    return AdminClient({"bootstrap.servers": SECURE["plaintext"]})


def new_topic(admin, prefix="secure-"):
    name = f"{prefix}{uuidlib.uuid4().hex[:10]}"
    admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)])[name].result(30)
    return name


def produce(topic, values):
    p = Producer({"bootstrap.servers": SECURE["plaintext"], "linger.ms": 0})
    for i, v in enumerate(values):
        p.produce(topic, value=v.encode(), partition=i % 2)
    assert p.flush(30) == 0


def delivered(sink, topic):
    return sorted(base64.b64decode(r["value"]).decode() for r in sink.records() if r["topic"] == topic)


def sasl_secret(mechanism):
    user, password = SECURE["users"][mechanism]
    return {"username": user, "password": password}


def ca(auth, via="boto3"):
    return {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": auth.secret({"certificate": pem("ca.pem")}, via)}


def client_cert(encrypted=False, rogue=False):
    prefix = "rogue-client" if rogue else "client"
    if encrypted:
        return {"certificate": pem("client.pem") + pem("ca.pem"), "privateKey": pem("client-encrypted.key"),
                "privateKeyPassword": SECURE["client_key_password"]}
    return {"certificate": pem(f"{prefix}.pem"), "privateKey": pem(f"{prefix}.key")}


# The five set-ups: SASL/PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (all over TLS with the private CA),
# mTLS (plain and encrypted PKCS#8 key), and TLS with only the root CA.
SETUPS = {
    "BASIC_AUTH": lambda a: ("sasl_ssl", [{"Type": "BASIC_AUTH", "URI": a.secret(sasl_secret("PLAIN"), "cli")}, ca(a, "cli")]),
    "SASL_SCRAM_256_AUTH": lambda a: ("sasl_ssl", [{"Type": "SASL_SCRAM_256_AUTH", "URI": a.secret(sasl_secret("SCRAM-SHA-256"))}, ca(a)]),
    "SASL_SCRAM_512_AUTH": lambda a: ("sasl_ssl", [{"Type": "SASL_SCRAM_512_AUTH", "URI": a.secret(sasl_secret("SCRAM-SHA-512"), "cli")}, ca(a)]),
    "CLIENT_CERTIFICATE_TLS_AUTH": lambda a: ("ssl", [{"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": a.secret(client_cert())}, ca(a)]),
    "CLIENT_CERTIFICATE_TLS_AUTH-encrypted-key": lambda a: ("ssl", [{"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": a.secret(client_cert(encrypted=True), "cli")}, ca(a)]),
    "SERVER_ROOT_CA_CERTIFICATE": lambda a: ("tls", [ca(a)]),
}


@pytest.mark.parametrize("setup", list(SETUPS))
def test_delivery_through_each_authentication(auth, admin, setup):
    topic = new_topic(admin)
    produce(topic, ["r0", "r1", "r2", "r3"])
    listener, sacs = SETUPS[setup](auth)
    m = auth.create(topic, SECURE[listener], sacs)
    eventually(lambda: delivered(auth.sink, topic) == ["r0", "r1", "r2", "r3"], timeout=60, message="records delivered")
    got = auth.settled(m["UUID"], "Enabled", result="OK")
    assert got["SourceAccessConfigurations"] == sacs  # ARNs only, as given
    produce(topic, ["r4"])
    eventually(lambda: "r4" in delivered(auth.sink, topic), message="a record produced while running")


def rogue_ca(a):
    return {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": a.secret({"certificate": pem("rogue-ca.pem")})}


def pkcs1_key():
    out = subprocess.run(["openssl", "pkey", "-in", str(TLS_DIR / "client.key"), "-traditional"],
                         capture_output=True, text=True, check=True).stdout
    assert "BEGIN RSA PRIVATE KEY" in out
    return out


AUTHN = "EVENT_SOURCE_AUTHN_ERROR"


def system_librdkafka():
    """The version of the librdkafka the emulator was built against and runs with."""
    out = subprocess.run(["pkg-config", "--modversion", "rdkafka"], capture_output=True, text=True, check=True)
    return tuple(int(x) for x in out.stdout.strip().split(".")[:3])


def scram_failed():
    """A failed SCRAM login: before librdkafka 2.6.1 the text also names the Kafka 4.x nonce bug
    (the credentials may be right there), with the fixes."""
    if system_librdkafka() >= (2, 6, 1):
        return "PROBLEM: SASL authentication failed."
    v = ".".join(map(str, system_librdkafka()))
    return ("PROBLEM: SASL authentication failed. If the broker runs Kafka 4.x, the credentials may be right: "
            f"librdkafka {v} cannot complete SCRAM logins to Kafka 4.x brokers (confluentinc/librdkafka#4895, "
            "fixed in 2.6.1). Build esm-emulator with librdkafka 2.6.1 or later, or use BASIC_AUTH "
            "or CLIENT_CERTIFICATE_TLS_AUTH.")


FAILURES = {
    "wrong-password": (lambda a: ("sasl_ssl", [{"Type": "SASL_SCRAM_512_AUTH", "URI": a.secret({"username": "scram512-user", "password": "not-the-password"})}, ca(a)]),
                       AUTHN, scram_failed()),
    "unknown-user": (lambda a: ("sasl_ssl", [{"Type": "BASIC_AUTH", "URI": a.secret({"username": "nobody", "password": "whatever-pass"})}, ca(a)]),
                     AUTHN, "PROBLEM: SASL authentication failed."),
    "server-not-trusted-no-ca": (lambda a: ("sasl_ssl", [{"Type": "SASL_SCRAM_256_AUTH", "URI": a.secret(sasl_secret("SCRAM-SHA-256"))}]),
                                 AUTHN, "PROBLEM: Lambda failed to authenticate server."),
    "server-not-trusted-other-ca": (lambda a: ("ssl", [{"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": a.secret(client_cert())}, rogue_ca(a)]),
                                    AUTHN, "PROBLEM: Lambda failed to authenticate server."),
    "client-certificate-rejected": (lambda a: ("ssl", [{"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": a.secret(client_cert(rogue=True))}, ca(a)]),
                                    AUTHN, "PROBLEM: Server failed to authenticate Lambda."),
    "certificate-unreadable": (lambda a: ("ssl", [{"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": a.secret({
        "certificate": "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        "privateKey": pem("client.key")})}, ca(a)]),
                               AUTHN, "PROBLEM: Provided certificate or private key is invalid."),
    "key-not-pkcs8": (lambda a: ("ssl", [{"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": a.secret({
        "certificate": pem("client.pem"), "privateKey": pkcs1_key()})}, ca(a)]),
                      AUTHN, "PROBLEM: Provided certificate or private key is invalid."),
    "key-password-wrong": (lambda a: ("ssl", [{"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": a.secret({
        "certificate": pem("client.pem"), "privateKey": pem("client-encrypted.key"), "privateKeyPassword": "wrong-key-pass"})}, ca(a)]),
                           AUTHN, "PROBLEM: Provided certificate or private key is invalid."),
    "secret-missing": (lambda a: ("sasl_ssl", [{"Type": "SASL_SCRAM_512_AUTH", "URI": "arn:aws:secretsmanager:us-east-1:000000000000:secret:absent-AbCdEf"}, ca(a)]),
                       "ESM_CONFIG_NOT_VALID", "PROBLEM: The secret arn:aws:secretsmanager:us-east-1:000000000000:secret:absent-AbCdEf named by SASL_SCRAM_512_AUTH cannot be found in Secrets Manager."),
    "secret-not-json": (lambda a: ("sasl_ssl", [{"Type": "SASL_SCRAM_256_AUTH", "URI": a.secret("scram256-user:scram256-pass")}, ca(a)]),
                        "ESM_CONFIG_NOT_VALID", None),
    "secret-without-password": (lambda a: ("sasl_ssl", [{"Type": "BASIC_AUTH", "URI": a.secret({"username": "plain-user", "pass": "plain-pass"})}, ca(a)]),
                                "ESM_CONFIG_NOT_VALID", None),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_each_failure_disables_the_mapping_with_aws_reason(auth, admin, failure):
    build, reason, result = FAILURES[failure]
    topic = new_topic(admin)
    listener, sacs = build(auth)
    m = auth.create(topic, SECURE[listener], sacs)
    got = eventually(lambda: (g := auth.get(m["UUID"]))["StateTransitionReason"] == reason and g,
                     timeout=60, message=reason)
    assert got["State"] == "Disabled"
    if result is None:  # the format message names the secret and the expected shape
        assert got["LastProcessingResult"].startswith("PROBLEM: The secret arn:aws:secretsmanager:")
        assert "is not in the expected format" in got["LastProcessingResult"]
    else:
        assert got["LastProcessingResult"] == result


@pytest.mark.parametrize("denied", ["topic", "group"])
def test_missing_acl_is_an_authorization_error(auth, admin, denied):
    topic = new_topic(admin, prefix="closed-" if denied == "topic" else "secure-")
    group = "closed-group" if denied == "group" else None
    m = auth.create(topic, SECURE["sasl_ssl"], [{"Type": "SASL_SCRAM_256_AUTH", "URI": auth.secret(sasl_secret("SCRAM-SHA-256"))}, ca(auth)], group=group)
    got = eventually(lambda: (g := auth.get(m["UUID"]))["State"] == "Disabled" and g, timeout=60)
    assert got["StateTransitionReason"] == "EVENT_SOURCE_AUTHZ_ERROR"
    assert got["LastProcessingResult"] == "PROBLEM: Cluster failed to authorize Lambda."


def test_fixing_the_password_and_updating_delivers_everything(auth, admin):
    topic = new_topic(admin)
    produce(topic, [f"w{i}" for i in range(6)])
    arn = auth.secret({"username": "scram512-user", "password": "stale-password"})
    m = auth.create(topic, SECURE["sasl_ssl"], [{"Type": "SASL_SCRAM_512_AUTH", "URI": arn}, ca(auth)])
    eventually(lambda: auth.get(m["UUID"])["StateTransitionReason"] == AUTHN, timeout=60)
    produce(topic, ["w6", "w7"])  # more while it is stopped
    auth.sm.put_secret_value(SecretId=arn, SecretString=json.dumps(sasl_secret("SCRAM-SHA-512")))
    auth.secret_values.add(SECURE["users"]["SCRAM-SHA-512"][1])
    updated = auth.lam.call("UpdateEventSourceMapping", UUID=m["UUID"], Enabled=True)
    assert updated["State"] == "Enabling"
    eventually(lambda: delivered(auth.sink, topic) == [f"w{i}" for i in range(8)], timeout=60, message="all records")
    got = auth.settled(m["UUID"], "Enabled", result="OK")
    assert got["StateTransitionReason"] == "USER_INITIATED"


def test_granting_the_acl_and_updating_delivers_everything(auth, admin):
    topic = new_topic(admin, prefix="closed-")
    produce(topic, ["a0", "a1", "a2"])
    m = auth.create(topic, SECURE["sasl_ssl"], [{"Type": "SASL_SCRAM_256_AUTH", "URI": auth.secret(sasl_secret("SCRAM-SHA-256"))}, ca(auth)])
    eventually(lambda: auth.get(m["UUID"])["StateTransitionReason"] == "EVENT_SOURCE_AUTHZ_ERROR", timeout=60)
    grants = [AclBinding(ResourceType.TOPIC, topic, ResourcePatternType.LITERAL, "User:scram256-user", "*", op,
                         AclPermissionType.ALLOW) for op in (AclOperation.READ, AclOperation.DESCRIBE)]
    for f in admin.create_acls(grants).values():
        f.result(30)
    auth.lam.call("UpdateEventSourceMapping", UUID=m["UUID"], BatchSize=5)
    eventually(lambda: delivered(auth.sink, topic) == ["a0", "a1", "a2"], timeout=60, message="all records")
    auth.settled(m["UUID"], "Enabled", result="OK")


def test_a_changed_secret_is_read_when_the_consumer_restarts(auth, admin):
    """Secrets are read when a consumer starts: disable, change the secret, enable."""
    topic = new_topic(admin)
    arn = auth.secret(sasl_secret("SCRAM-SHA-512"))
    m = auth.create(topic, SECURE["sasl_ssl"], [{"Type": "SASL_SCRAM_512_AUTH", "URI": arn}, ca(auth)])
    auth.settled(m["UUID"], "Enabled")
    auth.lam.call("UpdateEventSourceMapping", UUID=m["UUID"], Enabled=False)
    auth.settled(m["UUID"], "Disabled")
    auth.sm.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "scram512-user", "password": "rotated-wrong"}))
    auth.lam.call("UpdateEventSourceMapping", UUID=m["UUID"], Enabled=True)
    got = eventually(lambda: (g := auth.get(m["UUID"]))["StateTransitionReason"] == AUTHN and g, timeout=60)
    assert got["LastProcessingResult"] == scram_failed()


def test_invalid_combinations_are_rejected_at_create_and_update(auth, admin):
    topic = new_topic(admin)
    scram = {"Type": "SASL_SCRAM_512_AUTH", "URI": auth.secret(sasl_secret("SCRAM-SHA-512"))}
    mtls = {"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": auth.secret(client_cert())}
    from clients import ApiError
    for sacs in ([scram, mtls], [scram, {"Type": "BASIC_AUTH", "URI": scram["URI"]}],
                 [{"Type": "SASL_SCRAM_256_AUTH", "URI": "not-an-arn"}]):
        with pytest.raises(ApiError) as e:
            auth.create(topic, SECURE["sasl_ssl"], sacs)
        assert e.value.code == "InvalidParameterValueException"
    assert auth.lam.call("ListEventSourceMappings")["EventSourceMappings"] == []
    m = auth.create(topic, SECURE["sasl_ssl"], [scram, ca(auth)])
    auth.settled(m["UUID"], "Enabled")
    with pytest.raises(ApiError) as e:
        auth.lam.call("UpdateEventSourceMapping", UUID=m["UUID"], SourceAccessConfigurations=[scram, mtls])
    assert e.value.code == "InvalidParameterValueException"
    assert auth.get(m["UUID"])["SourceAccessConfigurations"][0] == scram
