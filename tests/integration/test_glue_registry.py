"""AWS Glue schema registries (SchemaRegistryConfig with a registry ARN, reference §8.12): records
framed by AWS's Glue schema registry library for Python (`aws-glue-schema-registry` from PyPI)
against moto's server, which serves Glue's schema registry API; the emulator reads each record's
schema version with GetSchemaVersion through --aws-endpoint, decodes it, and AWS Lambda
Powertools' Kafka consumer reads the events. Protobuf, which that library does not write, is
framed as AWS's Java serializer frames it (one varint: the message's index among the schema's
messages sorted by full name; its ProtobufWireFormatEncoder and MessageIndexFinder)."""
import base64
import json
import uuid as uuidlib

import pytest
from aws_schema_registry import DataAndSchema, KafkaSerializer, SchemaRegistryClient
from aws_schema_registry.avro import AvroSchema
from aws_schema_registry.codec import encode
from aws_schema_registry.jsonschema import JsonSchema

from conftest import eventually
from test_aws_destinations import ACCOUNT, AWS_ENV, Moto
from test_error_handling import read_topic, start
from test_filtering import committed
from test_schema_registry import (JSON_SCHEMA, KEY_SCHEMA, ORDER_V1, ORDER_V2, ORDERS, create_decoding,
                                  powertools, produce_bytes, protobuf_classes, records, registry_config,
                                  result_of)

SHOP_PROTO = """syntax = "proto3";
package shop;
message Order {
  string order_id = 1;
  repeated Line lines = 2;
  int64 total_cents = 3;
}
message Line {
  string sku = 1;
  int32 qty = 2;
}
"""


class Glue:
    """A registry of its own in moto's Glue, and the Python library's serializers for it."""

    def __init__(self, moto):
        self.glue = moto.client("glue")
        self.name = f"reg-{uuidlib.uuid4().hex[:8]}"
        self.glue.create_registry(RegistryName=self.name)
        self.arn = f"arn:aws:glue:us-east-1:{ACCOUNT}:registry/{self.name}"
        self.client = SchemaRegistryClient(self.glue, registry_name=self.name)

    def serializer(self, topic, schema, is_key=False):
        ser = KafkaSerializer(self.client, is_key=is_key)
        return lambda obj: ser.serialize(topic, DataAndSchema(obj, schema))

    def register(self, name, fmt, definition):
        """A schema and its first version, as the Java serializer registers one: the version id."""
        self.glue.create_schema(RegistryId={"RegistryName": self.name}, SchemaName=name, DataFormat=fmt,
                                Compatibility="NONE", SchemaDefinition=definition)
        got = self.glue.get_schema_version(SchemaId={"RegistryName": self.name, "SchemaName": name},
                                           SchemaVersionNumber={"LatestVersion": True})
        return uuidlib.UUID(got["SchemaVersionId"])


@pytest.fixture
def moto():
    m = Moto()
    yield m
    m.stop()


def version_id(framed):
    return str(uuidlib.UUID(bytes=framed[2:18]))


def start_with_glue(tmp_path, kafka_port, sink, moto, topics):
    return start(tmp_path, kafka_port, sink, topics, ["--aws-endpoint", moto.url], env=AWS_ENV)


def test_glue_avro_records_arrive_as_json_with_their_schema_version_and_powertools_reads_them(
        tmp_path, kafka_port, function_sink, clients_for, moto):
    glue = Glue(moto)
    emu = start_with_glue(tmp_path, kafka_port, function_sink, moto, ["gorders:1"])
    v1 = glue.serializer("gorders", AvroSchema(ORDER_V1))(ORDERS[0])
    v2 = glue.serializer("gorders", AvroSchema(ORDER_V2))({**ORDERS[1], "channel": "shop"})
    # The library's codec with zlib compression (its serializers leave it off by default).
    compressed = encode(v1[18:], uuidlib.UUID(version_id(v1)), compression=True)
    assert compressed[1] == 5 and compressed[18:] != v1[18:]
    produce_bytes(emu.kafka_bootstrap, "gorders", [(b"k1", v1), (None, v2), (None, compressed)])
    m = create_decoding(clients_for(emu), emu, "gorders", registry_config(glue.arn))
    eventually(lambda: len(records(function_sink, "gorders")) == 3, message="three orders")
    got = records(function_sink, "gorders")
    assert [json.loads(base64.b64decode(r["value"])) for r in got] == [
        ORDERS[0], {**ORDERS[1], "channel": "shop"}, ORDERS[0]]  # each by its own version
    assert [r["valueSchemaMetadata"] for r in got] == [
        {"dataFormat": "JSON", "schemaId": version_id(f)} for f in (v1, v2, compressed)]
    assert version_id(v1) != version_id(v2)
    assert base64.b64decode(got[0]["key"]) == b"k1" and "keySchemaMetadata" not in got[0]
    event = next(e["event"] for e in function_sink.events if not e["failed"])
    assert [v for _, v, _ in powertools(event, value_schema_type="JSON")] == [
        ORDERS[0], {**ORDERS[1], "channel": "shop"}, ORDERS[0]][:len(event["records"]["gorders-0"])]
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], "gorders") == 3)
    emu.stop()


def test_glue_source_delivers_avro_keys_and_json_schema_values_without_the_framing(
        tmp_path, kafka_port, function_sink, clients_for, moto):
    glue = Glue(moto)
    emu = start_with_glue(tmp_path, kafka_port, function_sink, moto, ["gsrc:1"])
    key = glue.serializer("gsrc", AvroSchema(KEY_SCHEMA), is_key=True)({"shop": 7})
    value = glue.serializer("gsrc", JsonSchema(JSON_SCHEMA))({"id": "p1", "amount": 10})
    produce_bytes(emu.kafka_bootstrap, "gsrc", [(key, value)])
    create_decoding(clients_for(emu), emu, "gsrc", registry_config(glue.arn, "SOURCE", ("KEY", "VALUE")))
    eventually(lambda: len(records(function_sink, "gsrc")) == 1)
    r = records(function_sink, "gsrc")[0]
    assert base64.b64decode(r["key"]) == key[18:] and base64.b64decode(r["value"]) == value[18:]
    assert r["keySchemaMetadata"] == {"dataFormat": "AVRO", "schemaId": version_id(key)}
    assert r["valueSchemaMetadata"] == {"dataFormat": "JSON", "schemaId": version_id(value)}
    [(k, v, fmt)] = powertools(function_sink.events[-1]["event"], key_schema_type="AVRO", key_schema=KEY_SCHEMA,
                               value_schema_type="JSON")
    assert (k, v, fmt) == ({"shop": 7}, {"id": "p1", "amount": 10}, "JSON")
    emu.stop()


@pytest.mark.parametrize("fmt", ["JSON", "SOURCE"])
def test_glue_protobuf_records_by_their_message_index(tmp_path, kafka_port, function_sink, clients_for,
                                                     moto, fmt):
    glue = Glue(moto)
    emu = start_with_glue(tmp_path, kafka_port, function_sink, moto, ["gpb:1"])
    version = glue.register("gpb-value", "PROTOBUF", SHOP_PROTO)
    classes = protobuf_classes()
    order = classes["Order"](order_id="A-1", total_cents=12345678901,
                             lines=[classes["Line"](sku="x", qty=2), classes["Line"](sku="y")])
    # Sorted by full name: shop.Line is message 0, shop.Order message 1.
    framed = [encode(b"\x01" + order.SerializeToString(), version),
              encode(b"\x00" + classes["Line"](sku="z", qty=5).SerializeToString(), version, compression=True)]
    produce_bytes(emu.kafka_bootstrap, "gpb", [(None, f) for f in framed])
    create_decoding(clients_for(emu), emu, "gpb", registry_config(glue.arn, fmt))
    eventually(lambda: len(records(function_sink, "gpb")) == 2, message="both messages")
    got = records(function_sink, "gpb")
    expected = [{"order_id": "A-1", "lines": [{"sku": "x", "qty": 2}, {"sku": "y"}],
                 "total_cents": "12345678901"}, {"sku": "z", "qty": 5}]
    if fmt == "JSON":
        assert [json.loads(base64.b64decode(r["value"])) for r in got] == expected
        assert [r["valueSchemaMetadata"] for r in got] == [{"dataFormat": "JSON", "schemaId": str(version)}] * 2
    else:
        # Without Glue's header (and inflated), the message index kept: Powertools removes it
        # itself when the schemaId is a Glue version id.
        assert base64.b64decode(got[0]["value"]) == b"\x01" + order.SerializeToString()
        assert base64.b64decode(got[1]["value"]) == b"\x00" + classes["Line"](sku="z", qty=5).SerializeToString()
        assert [r["valueSchemaMetadata"] for r in got] == [{"dataFormat": "PROTOBUF", "schemaId": str(version)}] * 2
        first = {**function_sink.events[0]["event"],
                 "records": {"gpb-0": function_sink.events[0]["event"]["records"]["gpb-0"][:1]}}
        [(_, value, _)] = powertools(first, value_schema_type="PROTOBUF", value_schema=classes["Order"])
        assert value == expected[0]
    emu.stop()


def test_glue_records_that_cannot_be_decoded_go_to_the_destination(
        tmp_path, kafka_port, function_sink, clients_for, moto):
    glue, other = Glue(moto), Glue(moto)
    emu = start_with_glue(tmp_path, kafka_port, function_sink, moto, ["gbad:1", "gbad-dlq:1"])
    good = glue.serializer("gbad", AvroSchema(ORDER_V1))(ORDERS[0])
    unknown = encode(good[18:], uuidlib.uuid4())  # a version no registry has
    elsewhere = other.serializer("gbad", AvroSchema(ORDER_V1))(ORDERS[1])  # another registry's
    confluent = b"\x00\x00\x00\x00\x01" + good[18:]  # Confluent's framing, not Glue's
    not_zlib = bytes([3, 5]) + good[2:18] + b"not zlib"
    produce_bytes(emu.kafka_bootstrap, "gbad", [(b"a", good), (b"b", unknown), (b"c", elsewhere),
                                               (b"d", confluent), (b"e", not_zlib), (b"f", good)])
    m = create_decoding(clients_for(emu), emu, "gbad", registry_config(glue.arn),
                        DestinationConfig={"OnFailure": {"Destination": "kafka://gbad-dlq"}})
    eventually(lambda: len(records(function_sink, "gbad")) == 2, message="the two decodable records")
    assert [r["offset"] for r in records(function_sink, "gbad")] == [0, 5]
    dlq = read_topic(emu.kafka_bootstrap, "gbad-dlq", 4)
    docs = [json.loads(msg.value()) for msg in dlq]
    assert [msg.key() for msg in dlq] == [b"b", b"c", b"d", b"e"]
    assert [d["requestContext"]["condition"] for d in docs] == [
        "SCHEMA_NOT_FOUND", "SCHEMA_NOT_FOUND", "DESERIALIZATION_ERROR", "DESERIALIZATION_ERROR"]
    assert [base64.b64decode(d["payload"]["records"]["gbad-0"][0]["value"]) for d in docs] == [
        unknown, elsewhere, confluent, not_zlib]
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], "gbad") == 6)
    emu.stop()


def test_a_glue_registry_without_an_endpoint_holds_records_back_with_a_problem(
        tmp_path, kafka_port, function_sink, clients_for, moto):
    glue = Glue(moto)
    emu = start(tmp_path, kafka_port, function_sink, ["gnone:1"])  # no --aws-endpoint
    produce_bytes(emu.kafka_bootstrap, "gnone", [(None, glue.serializer("gnone", AvroSchema(ORDER_V1))(ORDERS[0]))])
    c = clients_for(emu)
    m = create_decoding(c, emu, "gnone", registry_config(glue.arn))
    eventually(lambda: "no endpoint is configured for glue" in result_of(c, m), message="the PROBLEM")
    assert result_of(c, m).startswith("PROBLEM: Schema registry error.")
    assert records(function_sink, "gnone") == []
    assert committed(emu.kafka_bootstrap, m["UUID"], "gnone") < 0
    emu.stop()
