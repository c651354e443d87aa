"""The real AWS clients, behind one small interface: call(op, **params) returns the response
dict or raises ApiError. Debian's AWS CLI v2, the newest AWS CLI v1 (PyPI), boto3 (PyPI) and
@aws-sdk/client-lambda (npm, pinned)."""
import json
import os
import pathlib
import re
import subprocess

import boto3
import botocore.config
from botocore.exceptions import ClientError

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI_V2 = "/usr/bin/aws"
CLI_V1 = str(ROOT / ".venv" / "bin" / "aws")
NODE_SCRIPT = ROOT / "tests" / "integration" / "node" / "esm.mjs"
REGION = "us-east-1"

CLIENT_ENV = dict(
    os.environ,
    AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY="secret",
    AWS_DEFAULT_REGION=REGION,
    AWS_REGION=REGION,
    AWS_CONFIG_FILE="/dev/null",
    AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    AWS_EC2_METADATA_DISABLED="true",
    AWS_MAX_ATTEMPTS="1",
    AWS_RETRY_MODE="standard",
    AWS_PAGER="",
)
CLI_ERROR = re.compile(r"An error occurred \((\w+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: (.*)", re.S)


class ApiError(Exception):
    def __init__(self, code, message, status=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def kebab(op):
    return re.sub(r"(?<!^)(?=[A-Z])", "-", op).lower()


def snake(op):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()


DEFAULT_KEYS = ("AKIDEXAMPLE", "secret")


class Boto3Client:
    name = "boto3"

    def __init__(self, endpoint, region=REGION, keys=DEFAULT_KEYS):
        self.client = boto3.client(
            "lambda", endpoint_url=endpoint, region_name=region,
            aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
            config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}))

    def call(self, op, **params):
        try:
            out = getattr(self.client, snake(op))(**params)
        except ClientError as e:
            raise ApiError(e.response["Error"]["Code"], e.response["Error"]["Message"],
                           e.response["ResponseMetadata"]["HTTPStatusCode"]) from None
        out.pop("ResponseMetadata", None)
        return out

    def list_all(self, page_size, **params):
        pages = self.client.get_paginator("list_event_source_mappings").paginate(
            PaginationConfig={"PageSize": page_size}, **params)
        return [m for page in pages for m in page["EventSourceMappings"]]


class CliClient:
    def __init__(self, name, path, endpoint, keys=DEFAULT_KEYS):
        self.name = name
        self.path = path
        self.endpoint = endpoint
        self.env = dict(CLIENT_ENV, AWS_ACCESS_KEY_ID=keys[0], AWS_SECRET_ACCESS_KEY=keys[1])

    def run(self, args):
        return subprocess.run([self.path, *args, "--endpoint-url", self.endpoint, "--output", "json"],
                              capture_output=True, text=True, env=self.env, timeout=120)

    def call(self, op, **params):
        args = ["lambda", kebab(op), "--cli-input-json", json.dumps(params)]
        if op.startswith("List"):
            args.append("--no-paginate")  # one request, as the SDKs send it
        proc = self.run(args)
        if proc.returncode != 0:
            m = CLI_ERROR.search(proc.stderr)
            if not m:
                raise AssertionError(f"{self.name} failed without an AWS error: {proc.stderr}")
            raise ApiError(m.group(1), m.group(3).strip())
        return json.loads(proc.stdout) if proc.stdout.strip() else {}

    def list_all(self, page_size, **params):
        # The CLI paginates by itself; --page-size sets how many items each request asks for.
        args = ["lambda", "list-event-source-mappings", "--page-size", str(page_size)]
        for k, v in params.items():
            args += [f"--{kebab(k)}", v]
        proc = self.run(args)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["EventSourceMappings"]


class NodeClient:
    name = "js-sdk-v3"

    def __init__(self, endpoint, keys=("test", "test")):
        self.endpoint = endpoint
        self.keys = keys

    def _run(self, request):
        request = dict(request, credentials={"accessKeyId": self.keys[0], "secretAccessKey": self.keys[1]})
        proc = subprocess.run(["node", str(NODE_SCRIPT), json.dumps(request)], capture_output=True,
                              text=True, timeout=120, env=CLIENT_ENV)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def call(self, op, **params):
        out = self._run({"endpoint": self.endpoint, "op": op, "params": params})
        if "error" in out:
            e = out["error"]
            raise ApiError(e["name"], e["message"], e.get("status"))
        return out["result"]

    def list_all(self, page_size, **params):
        out = self._run({"endpoint": self.endpoint, "op": "ListEventSourceMappings", "params": params,
                         "paginate": page_size})
        return [m for page in out["result"]["pages"] for m in page.get("EventSourceMappings", [])]


def make_clients(endpoint, keys=None):
    """Every client; `keys` (access key, secret key) to sign with, else each one's defaults."""
    return {
        "cli-v2": CliClient("cli-v2", CLI_V2, endpoint, keys or DEFAULT_KEYS),
        "cli-v1": CliClient("cli-v1", CLI_V1, endpoint, keys or DEFAULT_KEYS),
        "boto3": Boto3Client(endpoint, keys=keys or DEFAULT_KEYS),
        "js-sdk-v3": NodeClient(endpoint, keys or ("test", "test")),
    }


CLIENT_NAMES = ["cli-v2", "cli-v1", "boto3", "js-sdk-v3"]

# Debian's CLI v2 (2.9.x, early 2023) carries a Lambda model from before ESM tagging and
# EventSourceMappingArn (September 2024): it drops that member from responses and refuses Tags
# and ESM ARNs client-side. The newer clients know them.
MODEL_HAS_ESM_ARN_AND_TAGS = {"cli-v2": False, "cli-v1": True, "boto3": True, "js-sdk-v3": True}
