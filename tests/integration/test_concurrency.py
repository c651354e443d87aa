"""32 clients at once creating, updating, disabling, deleting and reading overlapping mappings
(4 functions x 8 topics, so creates collide on AWS's duplicate rule and updates and deletes
collide on transitions) for ESM_CONCURRENCY_SECONDS (60 by default): no 5xx, no error AWS would
not give, and once everything settles the final List is exactly what the history says: every
mapping whose Create was acknowledged and whose Delete was not, none other."""
import os
import random
import threading
import time

import boto3
import botocore.config
from botocore.exceptions import ClientError

from conftest import eventually

CLIENTS = 32
SECONDS = float(os.environ.get("ESM_CONCURRENCY_SECONDS", "60"))
FUNCTIONS = ["orders", "my-function", "other"]
TOPICS = [f"topic-{i}" for i in range(8)]
# What each operation may answer besides success, as AWS does under contention.
ALLOWED = {
    "create": {"ResourceConflictException"},
    "update": {"ResourceInUseException", "ResourceNotFoundException"},
    "delete": {"ResourceInUseException", "ResourceNotFoundException"},
    "get": {"ResourceNotFoundException"},
    "list": set(),
}


def test_32_clients_on_overlapping_mappings(emulator):
    lock = threading.Lock()
    created, deleted, failures = set(), set(), []
    counts = {op: 0 for op in ALLOWED}
    deadline = time.monotonic() + SECONDS

    def worker(seed):
        rng = random.Random(seed)
        client = boto3.client("lambda", endpoint_url=emulator.endpoint, region_name="us-east-1",
                              aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                              config=botocore.config.Config(retries={"max_attempts": 1}, max_pool_connections=2))
        while time.monotonic() < deadline:
            with lock:
                known = sorted(created - deleted)
            op = rng.choice(["create", "create", "update", "update", "delete", "get", "get", "list"])
            if op in ("update", "delete", "get") and not known:
                op = "create"
            try:
                if op == "create":
                    m = client.create_event_source_mapping(
                        FunctionName=rng.choice(FUNCTIONS), Topics=[rng.choice(TOPICS)], BatchSize=rng.randint(1, 100),
                        SourceAccessConfigurations=[{"Type": "VPC_SUBNET", "URI": "subnet:subnet-1"}],
                        SelfManagedEventSource={"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [emulator.kafka_bootstrap]}},
                        Enabled=rng.random() < 0.5)
                    with lock:
                        created.add(m["UUID"])
                elif op == "update":
                    kwargs = rng.choice([{"Enabled": False}, {"Enabled": True}, {"BatchSize": rng.randint(1, 500)}])
                    client.update_event_source_mapping(UUID=rng.choice(known), **kwargs)
                elif op == "delete":
                    uuid = rng.choice(known)
                    client.delete_event_source_mapping(UUID=uuid)
                    with lock:
                        deleted.add(uuid)
                elif op == "get":
                    client.get_event_source_mapping(UUID=rng.choice(known))
                else:
                    client.list_event_source_mappings(MaxItems=50)
                with lock:
                    counts[op] += 1
            except ClientError as e:
                code = e.response["Error"]["Code"]
                status = e.response["ResponseMetadata"]["HTTPStatusCode"]
                if status >= 500 or code not in ALLOWED[op]:
                    with lock:
                        failures.append(f"{op}: {status} {code}: {e.response['Error']['Message']}")
            except Exception as e:  # a dropped connection or an unparseable answer
                with lock:
                    failures.append(f"{op}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:10]
    assert counts["create"] > 0 and counts["delete"] > 0 and counts["update"] > 0

    client = boto3.client("lambda", endpoint_url=emulator.endpoint, region_name="us-east-1",
                          aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")

    def settled():
        pages = client.get_paginator("list_event_source_mappings").paginate(PaginationConfig={"PageSize": 50})
        items = [m for p in pages for m in p["EventSourceMappings"]]
        transitional = [m for m in items if m["State"] not in ("Enabled", "Disabled")]
        return None if transitional else {"items": items}
    final = eventually(settled, timeout=90, interval=0.5, message="every mapping settled")["items"]
    assert {m["UUID"] for m in final} == created - deleted
    print(f"\n{counts} over {SECONDS:.0f}s with {CLIENTS} clients; {len(created)} created, {len(deleted)} deleted")
