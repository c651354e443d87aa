"""A Python Lambda handler run unmodified by awslambdaric (PyPI) under the emulator's Runtime API.
It writes what it received (event and context) to $OUT_DIR/<request id>.json and parses the
Kafka event with AWS Lambda Powertools."""
import json
import os
import time

from aws_lambda_powertools.utilities.data_classes import KafkaEvent


def handler(event, context):
    values = []
    if isinstance(event, dict) and event.get("eventSource") in ("aws:kafka", "SelfManagedKafka"):
        values = [r.decoded_value.decode() for r in KafkaEvent(event).records]
    action = event.get("action") if isinstance(event, dict) else None
    if action == "fail":
        raise ValueError("asked to fail")
    if action == "sleep":
        time.sleep(float(event["seconds"]))
    if action == "exit":
        os._exit(3)
    if action == "env":
        return {k: os.environ.get(k) for k in event["keys"]}
    seen = {"event": event, "request_id": context.aws_request_id,
            "arn": context.invoked_function_arn, "name": context.function_name,
            "memory": context.memory_limit_in_mb, "remaining_ms": context.get_remaining_time_in_millis(),
            "log_group": context.log_group_name, "pid": os.getpid(), "values": values}
    with open(os.path.join(os.environ["OUT_DIR"], context.aws_request_id + ".json"), "w") as f:
        json.dump(seen, f)
    print(f"handled {len(values)} record(s)")
    return {"values": values, "pid": os.getpid()}
