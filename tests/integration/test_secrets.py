"""The Secrets Manager subset through the real clients: Debian's AWS CLI v2, the newest CLI v1 and
boto3, unmodified, with --endpoint-url / endpoint_url pointing at the emulator."""
import json
import re
import subprocess

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from clients import CLI_ERROR, CLI_V1, CLI_V2, CLIENT_ENV
from conftest import Emulator

ARN = re.compile(r"^arn:aws:secretsmanager:us-east-1:000000000000:secret:(.+)-([A-Za-z0-9]{6})$")


class SmError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Boto3Sm:
    name = "boto3"

    def __init__(self, endpoint):
        self.c = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                              config=botocore.config.Config(retries={"max_attempts": 1}))

    def call(self, op, **params):
        try:
            out = getattr(self.c, re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower())(**params)
        except ClientError as e:
            raise SmError(e.response["Error"]["Code"], e.response["Error"]["Message"]) from None
        out.pop("ResponseMetadata", None)
        return out


class CliSm:
    def __init__(self, name, path, endpoint):
        self.name, self.path, self.endpoint = name, path, endpoint

    def call(self, op, **params):
        cmd = [self.path, "secretsmanager", re.sub(r"(?<!^)(?=[A-Z])", "-", op).lower(),
               "--cli-input-json", json.dumps(params), "--endpoint-url", self.endpoint, "--output", "json"]
        if op == "ListSecrets":
            cmd.append("--no-paginate")
        proc = subprocess.run(cmd, capture_output=True, text=True, env=CLIENT_ENV, timeout=60)
        if proc.returncode != 0:
            m = CLI_ERROR.search(proc.stderr)
            assert m, proc.stderr
            raise SmError(m.group(1), m.group(3).strip())
        return json.loads(proc.stdout) if proc.stdout.strip() else {}


@pytest.fixture(params=["cli-v2", "cli-v1", "boto3"])
def sm(request, emulator):
    if request.param == "boto3":
        return Boto3Sm(emulator.endpoint)
    return CliSm(request.param, CLI_V2 if request.param == "cli-v2" else CLI_V1, emulator.endpoint)


def errors(fn, **params):
    with pytest.raises(SmError) as e:
        fn(**params)
    return e.value


def test_lifecycle_through_each_client(sm):
    created = sm.call("CreateSecret", Name="app/db", Description="the db", SecretString='{"username":"u","password":"p1"}',
                      Tags=[{"Key": "team", "Value": "data"}])
    m = ARN.match(created["ARN"])
    assert m and m.group(1) == "app/db" and created["Name"] == "app/db"
    v1 = created["VersionId"]
    got = sm.call("GetSecretValue", SecretId="app/db")
    assert got["SecretString"] == '{"username":"u","password":"p1"}' and got["VersionStages"] == ["AWSCURRENT"]
    assert got["ARN"] == created["ARN"] and got["VersionId"] == v1
    # By full ARN and by the ARN without its random suffix, as AWS resolves them.
    assert sm.call("GetSecretValue", SecretId=created["ARN"])["VersionId"] == v1
    assert sm.call("GetSecretValue", SecretId=created["ARN"][:-7])["VersionId"] == v1

    put = sm.call("PutSecretValue", SecretId="app/db", SecretString='{"username":"u","password":"p2"}')
    assert put["VersionId"] != v1 and put["VersionStages"] == ["AWSCURRENT"]
    assert json.loads(sm.call("GetSecretValue", SecretId="app/db")["SecretString"])["password"] == "p2"
    previous = sm.call("GetSecretValue", SecretId="app/db", VersionStage="AWSPREVIOUS")
    assert previous["VersionId"] == v1 and json.loads(previous["SecretString"])["password"] == "p1"

    described = sm.call("DescribeSecret", SecretId=created["ARN"])
    assert described["Description"] == "the db" and described["Tags"] == [{"Key": "team", "Value": "data"}]
    assert described["VersionIdsToStages"] == {v1: ["AWSPREVIOUS"], put["VersionId"]: ["AWSCURRENT"]}
    assert "SecretString" not in json.dumps(described, default=str)

    sm.call("CreateSecret", Name="other", SecretString="x")
    names = [s["Name"] for s in sm.call("ListSecrets")["SecretList"]]
    assert names == ["app/db", "other"]
    only = sm.call("ListSecrets", Filters=[{"Key": "name", "Values": ["app/"]}])["SecretList"]
    assert [s["Name"] for s in only] == ["app/db"]

    deleted = sm.call("DeleteSecret", SecretId="app/db", RecoveryWindowInDays=7)
    assert deleted["Name"] == "app/db" and deleted["ARN"] == created["ARN"]
    e = errors(lambda **p: sm.call("GetSecretValue", **p), SecretId="app/db")
    assert e.code == "InvalidRequestException" and "marked for deletion" in e.message
    assert "DeletedDate" in sm.call("DescribeSecret", SecretId="app/db")
    assert [s["Name"] for s in sm.call("ListSecrets")["SecretList"]] == ["other"]
    assert len(sm.call("ListSecrets", IncludePlannedDeletion=True)["SecretList"]) == 2
    e = errors(lambda **p: sm.call("CreateSecret", **p), Name="app/db", SecretString="again")
    assert e.code == "InvalidRequestException" and "scheduled for deletion" in e.message

    sm.call("DeleteSecret", SecretId="other", ForceDeleteWithoutRecovery=True)
    e = errors(lambda **p: sm.call("DescribeSecret", **p), SecretId="other")
    assert (e.code, e.message) == ("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")


def test_errors_through_each_client(sm):
    call = lambda op: (lambda **p: sm.call(op, **p))  # noqa: E731
    sm.call("CreateSecret", Name="dup", SecretString="v")
    e = errors(call("CreateSecret"), Name="dup", SecretString="w")
    assert (e.code, e.message) == ("ResourceExistsException", "The operation failed because the secret dup already exists.")
    e = errors(call("GetSecretValue"), SecretId="missing")
    assert e.code == "ResourceNotFoundException"
    e = errors(call("PutSecretValue"), SecretId="missing", SecretString="v")
    assert e.code == "ResourceNotFoundException"
    e = errors(call("DeleteSecret"), SecretId="dup", RecoveryWindowInDays=3)
    assert (e.code, e.message) == ("InvalidParameterException", "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")
    e = errors(call("DeleteSecret"), SecretId="dup", RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True)
    assert e.code == "InvalidParameterException"
    e = errors(call("CreateSecret"), Name="bad name with spaces", SecretString="v")
    assert e.code == "ValidationException" and "Invalid name" in e.message
    sm.call("CreateSecret", Name="empty")
    e = errors(call("GetSecretValue"), SecretId="empty")
    assert (e.code, e.message) == ("ResourceNotFoundException",
                                   "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")
    # Nothing above changed what is stored.
    assert sm.call("GetSecretValue", SecretId="dup")["SecretString"] == "v"
    assert [s["Name"] for s in sm.call("ListSecrets")["SecretList"]] == ["dup", "empty"]


def test_boto3_specifics(emulator):
    sm = Boto3Sm(emulator.endpoint)
    # Both values at once: the SDK sends it, the service refuses it.
    e = errors(lambda **p: sm.call("CreateSecret", **p), Name="both", SecretString="s", SecretBinary=b"b")
    assert e.code == "InvalidParameterException"
    created = sm.call("CreateSecret", Name="bin", SecretBinary=b"\x00\x01binary\xff")
    assert sm.c.get_secret_value(SecretId="bin")["SecretBinary"] == b"\x00\x01binary\xff"
    # An idempotent retry with the same token and value is fine; another value is refused.
    token = "a" * 32
    first = sm.call("PutSecretValue", SecretId="bin", ClientRequestToken=token, SecretString="t")
    again = sm.call("PutSecretValue", SecretId="bin", ClientRequestToken=token, SecretString="t")
    assert first["VersionId"] == again["VersionId"] == token
    e = errors(lambda **p: sm.call("PutSecretValue", **p), SecretId="bin", ClientRequestToken=token, SecretString="u")
    assert e.code == "ResourceExistsException"
    assert created["Name"] == "bin"
    # ListSecrets pages through the SDK's paginator.
    for i in range(7):
        sm.call("CreateSecret", Name=f"page-{i}", SecretString=str(i))
    pages = list(sm.c.get_paginator("list_secrets").paginate(PaginationConfig={"PageSize": 3}))
    assert len(pages) == 3
    assert [s["Name"] for p in pages for s in p["SecretList"]] == ["bin"] + [f"page-{i}" for i in range(7)]


def test_raw_protocol_errors(emulator):
    import urllib.request
    def post(body, target):
        req = urllib.request.Request(emulator.endpoint + "/", data=body, method="POST",
                                     headers={"Content-Type": "application/x-amz-json-1.1", **({"X-Amz-Target": target} if target else {})})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())
    assert post(b"{}", "secretsmanager.RotateSecret") == (400, {"__type": "UnknownOperationException",
                                                               "Message": "The operation secretsmanager.RotateSecret is not supported."})
    status, body = post(b"{not json", "secretsmanager.CreateSecret")
    assert status == 400 and body["__type"] == "SerializationException"
    status, body = post(b"{}", None)
    assert status == 400 and body["__type"] == "UnknownOperationException"
    status, body = post(b'{"Name": 5}', "secretsmanager.CreateSecret")
    assert status == 400 and body["__type"] == "SerializationException"


def test_secrets_survive_a_restart(tmp_path):
    emu = Emulator(tmp_path, [])
    emu.start()
    Boto3Sm(emu.endpoint).call("CreateSecret", Name="kept", SecretString="durable")
    emu.kill9()
    emu.start()
    assert Boto3Sm(emu.endpoint).call("GetSecretValue", SecretId="kept")["SecretString"] == "durable"
    emu.stop()


POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:role/app"},
    "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
PUBLIC = json.dumps({"Version": "2012-10-17", "Statement": {
    "Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}})


def test_the_calls_infrastructure_tools_make_through_each_client(sm):
    """Issue 11 §4: what Terraform's aws_secretsmanager_secret and friends call besides the data
    calls: resource policies, tags, UpdateSecret, versions and staging labels, RestoreSecret."""
    created = sm.call("CreateSecret", Name="tf/db", SecretString="v1")
    arn, v1 = created["ARN"], created["VersionId"]
    # No policy yet: GetResourcePolicy answers without one (Terraform reads it on every refresh).
    assert sm.call("GetResourcePolicy", SecretId="tf/db") == {"ARN": arn, "Name": "tf/db"}
    assert sm.call("PutResourcePolicy", SecretId=arn, ResourcePolicy=POLICY) == {"ARN": arn, "Name": "tf/db"}
    assert json.loads(sm.call("GetResourcePolicy", SecretId="tf/db")["ResourcePolicy"]) == json.loads(POLICY)
    assert sm.call("ValidateResourcePolicy", SecretId="tf/db", ResourcePolicy=POLICY) == {
        "PolicyValidationPassed": True, "ValidationErrors": []}
    checked = sm.call("ValidateResourcePolicy", ResourcePolicy=PUBLIC)
    assert checked["PolicyValidationPassed"] is False and checked["ValidationErrors"][0]["CheckName"] == "PUBLIC_ACCESS"
    e = errors(lambda **p: sm.call("PutResourcePolicy", **p), SecretId="tf/db", ResourcePolicy=PUBLIC, BlockPublicPolicy=True)
    assert e.code == "PublicPolicyException"
    assert json.loads(sm.call("GetResourcePolicy", SecretId="tf/db")["ResourcePolicy"]) == json.loads(POLICY)  # unchanged
    assert sm.call("DeleteResourcePolicy", SecretId="tf/db") == {"ARN": arn, "Name": "tf/db"}
    assert "ResourcePolicy" not in sm.call("GetResourcePolicy", SecretId="tf/db")

    sm.call("TagResource", SecretId="tf/db", Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}])
    sm.call("TagResource", SecretId=arn, Tags=[{"Key": "team", "Value": "b"}])
    assert sm.call("DescribeSecret", SecretId="tf/db")["Tags"] == [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "b"}]
    sm.call("UntagResource", SecretId="tf/db", TagKeys=["env"])
    assert sm.call("DescribeSecret", SecretId="tf/db")["Tags"] == [{"Key": "team", "Value": "b"}]

    updated = sm.call("UpdateSecret", SecretId="tf/db", Description="the db", SecretString="v2")
    v2 = updated["VersionId"]
    assert updated["ARN"] == arn and v2 != v1
    assert sm.call("GetSecretValue", SecretId="tf/db")["SecretString"] == "v2"
    described = sm.call("UpdateSecret", SecretId="tf/db", Description="only the description")
    assert "VersionId" not in described
    assert sm.call("DescribeSecret", SecretId="tf/db")["Description"] == "only the description"
    versions = {v["VersionId"]: v["VersionStages"] for v in sm.call("ListSecretVersionIds", SecretId="tf/db")["Versions"]}
    assert versions == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}

    # Roll back: AWSCURRENT moves to v1, v2 becomes AWSPREVIOUS.
    e = errors(lambda **p: sm.call("UpdateSecretVersionStage", **p), SecretId="tf/db", VersionStage="AWSCURRENT", MoveToVersionId=v1)
    assert e.code == "InvalidParameterException" and f"currently attached to version {v2}" in e.message
    sm.call("UpdateSecretVersionStage", SecretId="tf/db", VersionStage="AWSCURRENT", MoveToVersionId=v1, RemoveFromVersionId=v2)
    assert sm.call("GetSecretValue", SecretId="tf/db")["SecretString"] == "v1"
    versions = {v["VersionId"]: v["VersionStages"] for v in sm.call("ListSecretVersionIds", SecretId="tf/db")["Versions"]}
    assert versions == {v1: ["AWSCURRENT"], v2: ["AWSPREVIOUS"]}
    sm.call("UpdateSecretVersionStage", SecretId="tf/db", VersionStage="blue", MoveToVersionId=v2)
    assert sm.call("GetSecretValue", SecretId="tf/db", VersionStage="blue")["SecretString"] == "v2"
    e = errors(lambda **p: sm.call("UpdateSecretVersionStage", **p), SecretId="tf/db", VersionStage="AWSCURRENT", RemoveFromVersionId=v1)
    assert e.code == "InvalidParameterException" and "can't be completely removed" in e.message

    sm.call("DeleteSecret", SecretId="tf/db", RecoveryWindowInDays=7)
    assert "DeletedDate" in sm.call("DescribeSecret", SecretId="tf/db")
    e = errors(lambda **p: sm.call("UpdateSecret", **p), SecretId="tf/db", SecretString="v3")
    assert e.code == "InvalidRequestException" and "marked for deletion" in e.message
    assert sm.call("RestoreSecret", SecretId="tf/db") == {"ARN": arn, "Name": "tf/db"}
    assert "DeletedDate" not in sm.call("DescribeSecret", SecretId="tf/db")
    assert sm.call("GetSecretValue", SecretId="tf/db")["SecretString"] == "v1"


def test_errors_of_the_infrastructure_calls_through_each_client(sm):
    call = lambda op: (lambda **p: sm.call(op, **p))  # noqa: E731
    for op, extra in (("GetResourcePolicy", {}), ("PutResourcePolicy", {"ResourcePolicy": POLICY}),
                      ("DeleteResourcePolicy", {}), ("TagResource", {"Tags": [{"Key": "a", "Value": "b"}]}),
                      ("UntagResource", {"TagKeys": ["a"]}), ("UpdateSecret", {"SecretString": "x"}),
                      ("ListSecretVersionIds", {}), ("UpdateSecretVersionStage", {"VersionStage": "s"}),
                      ("RestoreSecret", {})):
        e = errors(call(op), SecretId="missing", **extra)
        assert (e.code, e.message) == ("ResourceNotFoundException", "Secrets Manager can't find the specified secret."), op
    sm.call("CreateSecret", Name="e", SecretString="v")
    for bad in ("not json", "[]", json.dumps({"Version": "2012-10-17"}), json.dumps({"Statement": [{"Effect": "Maybe"}]})):
        e = errors(call("PutResourcePolicy"), SecretId="e", ResourcePolicy=bad)
        assert (e.code, e.message) == ("MalformedPolicyDocumentException", "This resource policy contains a syntax error.")
        e = errors(call("ValidateResourcePolicy"), ResourcePolicy=bad)
        assert e.code == "MalformedPolicyDocumentException"
    assert "ResourcePolicy" not in sm.call("GetResourcePolicy", SecretId="e")
    e = errors(call("TagResource"), SecretId="e", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    assert e.code == "InvalidParameterException"
    assert "Tags" not in sm.call("DescribeSecret", SecretId="e")
    e = errors(call("UpdateSecretVersionStage"), SecretId="e", VersionStage="AWSCURRENT", MoveToVersionId="f" * 32)
    assert e.code == "ResourceNotFoundException"
    version = sm.call("DescribeSecret", SecretId="e")["VersionIdsToStages"]
    token = next(iter(version))
    e = errors(call("UpdateSecret"), SecretId="e", SecretString="different", ClientRequestToken=token)
    assert e.code == "ResourceExistsException"
    e = errors(call("ListSecretVersionIds"), SecretId="e", NextToken="garbage")
    assert e.code == "InvalidParameterException"


def test_version_listing_pages_and_everything_survives_a_restart(tmp_path):
    emu = Emulator(tmp_path, []).start()
    c = Boto3Sm(emu.endpoint)
    c.call("CreateSecret", Name="p", SecretString="v0")
    for i in range(1, 4):
        c.call("UpdateSecretVersionStage", SecretId="p", VersionStage=f"keep{i}",
               MoveToVersionId=c.call("PutSecretValue", SecretId="p", SecretString=f"v{i}")["VersionId"])
    c.call("PutResourcePolicy", SecretId="p", ResourcePolicy=POLICY)
    c.call("TagResource", SecretId="p", Tags=[{"Key": "team", "Value": "core"}])
    first = c.call("ListSecretVersionIds", SecretId="p", MaxResults=2)
    second = c.call("ListSecretVersionIds", SecretId="p", MaxResults=2, NextToken=first["NextToken"])
    assert len(first["Versions"]) == 2 and "NextToken" not in second
    listed = first["Versions"] + second["Versions"]
    assert emu.stop() == 0
    emu.start()
    c = Boto3Sm(emu.endpoint)
    assert json.loads(c.call("GetResourcePolicy", SecretId="p")["ResourcePolicy"]) == json.loads(POLICY)
    assert c.call("DescribeSecret", SecretId="p")["Tags"] == [{"Key": "team", "Value": "core"}]
    again = c.call("ListSecretVersionIds", SecretId="p")["Versions"]
    assert {v["VersionId"]: v["VersionStages"] for v in again} == {v["VersionId"]: v["VersionStages"] for v in listed}
    emu.stop()
