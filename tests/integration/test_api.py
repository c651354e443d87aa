"""The Lambda ESM API through every real client: operations, errors, name forms, pagination,
tags. Behaviours follow ../shared/reference/aws-esm-kafka.md §1-7."""
import re

import pytest

from clients import CLIENT_NAMES, MODEL_HAS_ESM_ARN_AND_TAGS, ApiError
from conftest import eventually

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
VPC = [{"Type": "VPC_SUBNET", "URI": "subnet:subnet-0123"}, {"Type": "VPC_SECURITY_GROUP", "URI": "security_group:sg-1"}]


def self_managed(emulator, topic="orders", function="orders", **extra):
    params = {
        "FunctionName": function,
        "Topics": [topic],
        "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [emulator.kafka_bootstrap]}},
        "SourceAccessConfigurations": VPC,
    }
    params.update(extra)
    return params


def wait_state(client, uuid, state, timeout=30):
    return eventually(lambda: (m := client.call("GetEventSourceMapping", UUID=uuid))["State"] == state and m,
                      timeout=timeout, message=f"{uuid} to be {state}")


def expect_error(fn, code, message=None):
    with pytest.raises(ApiError) as info:
        fn()
    assert info.value.code == code, info.value
    if message is not None:
        assert info.value.message == message
    return info.value


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_lifecycle_create_get_update_delete(emulator, clients, name):
    c = clients[name]
    created = c.call("CreateEventSourceMapping", **self_managed(emulator, Enabled=False, BatchSize=50))
    uuid = created["UUID"]
    assert UUID_RE.match(uuid)
    assert created["State"] == "Creating"
    assert created["StateTransitionReason"] == "USER_INITIATED"
    assert created["LastProcessingResult"] == "No records processed"
    assert created["BatchSize"] == 50
    assert created["StartingPosition"] == "TRIM_HORIZON"
    assert created["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:orders"
    if MODEL_HAS_ESM_ARN_AND_TAGS[name]:
        assert created["EventSourceMappingArn"] == f"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:{uuid}"
    assert created["SelfManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": uuid}
    assert created["SelfManagedEventSource"] == {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [emulator.kafka_bootstrap]}}
    assert created["SourceAccessConfigurations"] == VPC
    assert "MaximumBatchingWindowInSeconds" not in created
    assert "Enabled" not in created and "Tags" not in created

    got = wait_state(c, uuid, "Disabled")
    assert got["BatchSize"] == 50

    updated = c.call("UpdateEventSourceMapping", UUID=uuid, BatchSize=500, MaximumBatchingWindowInSeconds=2)
    assert updated["State"] == "Updating"
    assert updated["BatchSize"] == 500
    assert updated["MaximumBatchingWindowInSeconds"] == 2
    assert updated["Topics"] == ["orders"]  # untouched members stay
    wait_state(c, uuid, "Disabled")

    enabling = c.call("UpdateEventSourceMapping", UUID=uuid, Enabled=True)
    assert enabling["State"] == "Enabling"
    wait_state(c, uuid, "Enabled")

    deleting = c.call("DeleteEventSourceMapping", UUID=uuid)
    assert deleting["State"] == "Deleting"
    assert deleting["UUID"] == uuid
    eventually(lambda: _gone(c, uuid), message="mapping to disappear")


def _gone(c, uuid):
    try:
        c.call("GetEventSourceMapping", UUID=uuid)
        return False
    except ApiError as e:
        return e.code == "ResourceNotFoundException"


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_error_classes(emulator, clients, name):
    c = clients[name]
    # Shape constraint: ValidationException with AWS's message format (the CLIs and SDKs that
    # validate client-side never send such a request, so only raw HTTP sees some of these).
    if name == "js-sdk-v3":
        e = expect_error(lambda: c.call("CreateEventSourceMapping", **self_managed(emulator, StartingPosition="invalid")),
                         "ValidationException")
        assert e.message == ("1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy "
                             "constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]")
        assert e.status == 400
    e = expect_error(lambda: c.call("CreateEventSourceMapping", **self_managed(emulator, function="nope")),
                     "InvalidParameterValueException", "Function does not exist")
    if e.status is not None:
        assert e.status == 400
    expect_error(lambda: c.call("CreateEventSourceMapping", FunctionName="orders", Topics=["orders"]),
                 "InvalidParameterValueException", "Unrecognized event source.")
    params = self_managed(emulator)
    del params["SourceAccessConfigurations"]
    expect_error(lambda: c.call("CreateEventSourceMapping", **params),
                 "InvalidParameterValueException", "Required 'sourceAccessConfigurations' parameter is missing.")
    expect_error(lambda: c.call("CreateEventSourceMapping", **self_managed(
        emulator, DestinationConfig={"OnSuccess": {"Destination": "arn:aws:sqs:us-east-1:000000000000:q"}})),
        "InvalidParameterValueException", "Unsupported DestinationConfig parameter for given event source mapping type.")
    expect_error(lambda: c.call("CreateEventSourceMapping", **self_managed(
        emulator, FilterCriteria={"Filters": [{"Pattern": "{\"value\": 5}"}]})),
        "InvalidParameterValueException", "Invalid filter pattern definition.")

    first = c.call("CreateEventSourceMapping", **self_managed(emulator, Enabled=False))
    dup = self_managed(emulator, Enabled=False, BatchSize=7)
    dup["SelfManagedEventSource"]["Endpoints"]["KAFKA_BOOTSTRAP_SERVERS"] = ["kafka:1000", emulator.kafka_bootstrap]
    e = expect_error(lambda: c.call("CreateEventSourceMapping", **dup), "ResourceConflictException")
    assert e.message == (f'An event source mapping with event source ("kafka:1000,{emulator.kafka_bootstrap}"), '
                         'function ("arn:aws:lambda:us-east-1:000000000000:function:orders"), topics ("orders") '
                         f"already exists. Please update or delete the existing mapping with UUID {first['UUID']}")
    if e.status is not None:
        assert e.status == 409

    missing = "12345678-1234-4234-8234-123456789012"
    for op in ("GetEventSourceMapping", "DeleteEventSourceMapping"):
        e = expect_error(lambda: c.call(op, UUID=missing), "ResourceNotFoundException",
                         "The resource you requested does not exist.")
        if e.status is not None:
            assert e.status == 404
    expect_error(lambda: c.call("UpdateEventSourceMapping", UUID=missing, BatchSize=5), "ResourceNotFoundException")

    # A mapping that cannot reach its brokers stays Creating (the grace is long here): in use.
    stuck = self_managed(emulator, topic="stuck")
    stuck["SelfManagedEventSource"]["Endpoints"]["KAFKA_BOOTSTRAP_SERVERS"] = ["127.0.0.1:1"]
    uuid = c.call("CreateEventSourceMapping", **stuck)["UUID"]
    expect_error(lambda: c.call("UpdateEventSourceMapping", UUID=uuid, BatchSize=5), "ResourceInUseException",
                 "Cannot update the event source mapping because it is in use.")
    expect_error(lambda: c.call("DeleteEventSourceMapping", UUID=uuid), "ResourceInUseException",
                 "Cannot delete the event source mapping because it is in use.")
    assert c.call("GetEventSourceMapping", UUID=uuid)["BatchSize"] == 100  # nothing changed


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_function_name_forms(emulator, clients, name):
    c = clients[name]
    forms = {
        "my-function": "arn:aws:lambda:us-east-1:000000000000:function:my-function",
        "my-function:PROD": "arn:aws:lambda:us-east-1:000000000000:function:my-function:PROD",
        "my-function:$LATEST": "arn:aws:lambda:us-east-1:000000000000:function:my-function:$LATEST",
        "123456789012:function:my-function:7": "arn:aws:lambda:us-east-1:123456789012:function:my-function:7",
        "arn:aws:lambda:eu-west-1:123456789012:function:my-function":
            "arn:aws:lambda:eu-west-1:123456789012:function:my-function",
    }
    for i, (form, arn) in enumerate(forms.items()):
        created = c.call("CreateEventSourceMapping", **self_managed(emulator, topic=f"forms-{i}", function=form,
                                                                    Enabled=False))
        assert created["FunctionArn"] == arn, form
    # List filters: an unqualified name matches every qualifier of that function; a qualified one only itself.
    listed = c.call("ListEventSourceMappings", FunctionName="my-function")["EventSourceMappings"]
    assert {m["Topics"][0] for m in listed} == {"forms-0", "forms-1", "forms-2"}
    listed = c.call("ListEventSourceMappings", FunctionName="my-function:PROD")["EventSourceMappings"]
    assert [m["Topics"][0] for m in listed] == ["forms-1"]
    assert c.call("ListEventSourceMappings", FunctionName="doesnotexist")["EventSourceMappings"] == []


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_pagination_through_the_clients_paginator(emulator, clients, name):
    c = clients[name]
    created = [c.call("CreateEventSourceMapping", **self_managed(emulator, topic=f"page-{i}", Enabled=False))["UUID"]
               for i in range(7)]
    assert [m["UUID"] for m in c.list_all(page_size=2)] == created
    # One explicit page: at most MaxItems, with an opaque NextMarker that continues the walk.
    first = c.call("ListEventSourceMappings", MaxItems=3)
    assert [m["UUID"] for m in first["EventSourceMappings"]] == created[:3]
    second = c.call("ListEventSourceMappings", MaxItems=3, Marker=first["NextMarker"])
    assert [m["UUID"] for m in second["EventSourceMappings"]] == created[3:6]
    last = c.call("ListEventSourceMappings", MaxItems=3, Marker=second["NextMarker"])
    assert [m["UUID"] for m in last["EventSourceMappings"]] == created[6:]
    assert "NextMarker" not in last


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_tags_on_the_mapping_arn(emulator, clients, name):
    if not MODEL_HAS_ESM_ARN_AND_TAGS[name]:
        pytest.skip(f"{name}'s Lambda model predates tags on event source mappings")
    c = clients[name]
    created = c.call("CreateEventSourceMapping", **self_managed(emulator, Enabled=False, Tags={"team": "core"}))
    arn = created["EventSourceMappingArn"]
    assert c.call("ListTags", Resource=arn)["Tags"] == {"team": "core"}
    c.call("TagResource", Resource=arn, Tags={"env": "dev", "team": "data"})
    assert c.call("ListTags", Resource=arn)["Tags"] == {"team": "data", "env": "dev"}
    c.call("UntagResource", Resource=arn, TagKeys=["team"])
    assert c.call("ListTags", Resource=arn)["Tags"] == {"env": "dev"}
    other = arn.replace(created["UUID"], "12345678-1234-4234-8234-123456789012")
    for op, extra in (("ListTags", {}), ("TagResource", {"Tags": {"a": "b"}}), ("UntagResource", {"TagKeys": ["a"]})):
        expect_error(lambda: c.call(op, Resource=other, **extra), "ResourceNotFoundException",
                     f"Event source mapping not found: {other}")  # AWS's text (reference §7)


def test_msk_mapping_and_event_source_arn_filter(emulator, clients):
    c = clients["boto3"]
    arn = "arn:aws:kafka:us-east-1:000000000000:cluster/demo/abcd1234-abcd-cafe-abab-9876543210ab-4"
    created = c.call("CreateEventSourceMapping", FunctionName="orders", Topics=["orders"], EventSourceArn=arn,
                     StartingPosition="LATEST", AmazonManagedKafkaEventSourceConfig={"ConsumerGroupId": "grp-1"})
    assert created["EventSourceArn"] == arn
    assert created["AmazonManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": "grp-1"}
    assert created["StartingPosition"] == "LATEST"
    c.call("CreateEventSourceMapping", **self_managed(emulator, Enabled=False))
    listed = c.call("ListEventSourceMappings", EventSourceArn=arn)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [created["UUID"]]
    expect_error(lambda: c.call("CreateEventSourceMapping", FunctionName="orders", Topics=["orders"],
                                EventSourceArn=arn), "ResourceConflictException")
    # Without --msk-cluster the emulator cannot know the brokers: the mapping stops, saying why.
    stopped = wait_state(c, created["UUID"], "Disabled")
    assert stopped["StateTransitionReason"] == "ESM_CONFIG_NOT_VALID"
    assert stopped["LastProcessingResult"].startswith("PROBLEM: ")


def test_region_comes_from_the_signature_scope(emulator):
    from clients import Boto3Client
    c = Boto3Client(emulator.endpoint, region="eu-west-3")
    created = c.call("CreateEventSourceMapping", **self_managed(emulator, Enabled=False))
    assert created["FunctionArn"] == "arn:aws:lambda:eu-west-3:000000000000:function:orders"
    assert created["EventSourceMappingArn"].startswith("arn:aws:lambda:eu-west-3:000000000000:event-source-mapping:")
    # A full ARN keeps its own region and account.
    other = c.call("CreateEventSourceMapping", **self_managed(
        emulator, topic="t2", function="arn:aws:lambda:ap-south-1:123456789012:function:orders", Enabled=False))
    assert other["FunctionArn"] == "arn:aws:lambda:ap-south-1:123456789012:function:orders"


@pytest.mark.parametrize("name", ["boto3"])
def test_members_of_the_2026_11_model(emulator, clients, name):
    """ConsumptionMode, the OAUTHBEARER/IAM access types and Kafka's destination kinds (botocore
    1.44.8): Stream behaves as before and is echoed; what is not performed here is refused.
    boto3 only: the newest CLI v1 (1.46.3) carries botocore 1.43.62, whose model lacks them."""
    c = clients[name]
    stream = c.call("CreateEventSourceMapping", **self_managed(
        emulator, SelfManagedKafkaEventSourceConfig={"ConsumptionMode": "Stream"}))
    assert stream["SelfManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": stream["UUID"], "ConsumptionMode": "Stream"}
    got = wait_state(c, stream["UUID"], "Enabled")
    assert got["SelfManagedKafkaEventSourceConfig"]["ConsumptionMode"] == "Stream"
    # Create-only, as ConsumerGroupId.
    expect_error(lambda: c.call("UpdateEventSourceMapping", UUID=stream["UUID"],
                                SelfManagedKafkaEventSourceConfig={"ConsumptionMode": "Queue"}),
                 "InvalidParameterValueException",
                 "Unsupported 'selfManagedKafkaEventSourceConfig.consumptionMode' parameter for given event source mapping type.")

    queue = {"SelfManagedKafkaEventSourceConfig": {"ConsumptionMode": "Queue"}}
    for member, value, wire in (("StartingPosition", "LATEST", "startingPosition"),
                                ("MaximumBatchingWindowInSeconds", 1, "maximumBatchingWindowInSeconds")):
        expect_error(lambda: c.call("CreateEventSourceMapping", **self_managed(emulator, topic="queued", **queue, **{member: value})),
                     "InvalidParameterValueException",
                     f"Unsupported '{wire}' parameter for ConsumptionMode Queue: a share group has no starting "
                     "position or batching window.")
    e = expect_error(lambda: c.call("CreateEventSourceMapping", **self_managed(emulator, topic="queued", **queue)),
                     "InvalidParameterValueException")
    assert e.message.startswith("ConsumptionMode Queue is not supported")
    assert "librdkafka" in e.message and "Use ConsumptionMode Stream." in e.message

    for sacs, start in (
            ([{"Type": "IAM_AUTH"}], "IAM_AUTH is not supported by esm-emulator: IAM authentication signs"),
            ([{"Type": "IAM_OAUTHBEARER_AUTH"}, {"Type": "OAUTHBEARER_AUDIENCE", "URI": "kafka"}],
             "IAM_OAUTHBEARER_AUTH is not supported by esm-emulator"),
            ([{"Type": "OAUTHBEARER_AUTH", "URI": "arn:aws:secretsmanager:us-east-1:000000000000:secret:o-AbCdEf"}],
             "OAUTHBEARER_AUTH is not supported by esm-emulator yet")):
        e = expect_error(lambda: c.call("CreateEventSourceMapping", **self_managed(
            emulator, topic="auth", SourceAccessConfigurations=sacs)), "InvalidParameterValueException")
        assert e.message.startswith(start), e.message

    lambda_arn = "arn:aws:lambda:us-east-1:000000000000:function:dlq"
    provisioned = {"ProvisionedPollerConfig": {"MinimumPollers": 1, "MaximumPollers": 2}}
    e = expect_error(lambda: c.call("CreateEventSourceMapping", **self_managed(
        emulator, topic="dest", DestinationConfig={"OnFailure": {"Destination": lambda_arn}}, **provisioned)),
        "InvalidParameterValueException")
    assert e.message.startswith(f"Unsupported DestinationConfig.OnFailure.Destination {lambda_arn} for given event source")
    e = expect_error(lambda: c.call("UpdateEventSourceMapping", UUID=stream["UUID"],
                                    DestinationConfig={"OnFailure": {"Destination": lambda_arn}}),
                     "InvalidParameterValueException")
    assert lambda_arn in e.message
    # Nothing was created by the refusals, nothing changed by the refused Updates.
    listed = c.call("ListEventSourceMappings")["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [stream["UUID"]]
    assert "DestinationConfig" not in c.call("GetEventSourceMapping", UUID=stream["UUID"])
