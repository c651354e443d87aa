"""SchemaRegistryConfig performed as AWS's provisioned mode does it (reference §8.12): records
produced by Confluent's own serializers (confluent-kafka from PyPI) against a real
Confluent-compatible registry (Apicurio Registry, scripts/schema_registry.sh) are decoded by the
emulator, delivered as JSON or in their source encoding with keySchemaMetadata /
valueSchemaMetadata, and read back by AWS Lambda Powertools' Kafka consumer. Records that cannot
be decoded go to the on-failure destination with SCHEMA_NOT_FOUND / DESERIALIZATION_ERROR, or are
dropped; a registry that does not answer holds them back, and nothing is lost."""
import base64
import http.server
import json
import os
import ssl
import subprocess
import threading
import urllib.error
import urllib.request
import uuid as uuidlib
from pathlib import Path

import boto3
import pytest
from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from clients import ApiError
from conftest import eventually
from test_error_handling import create, read_topic, start
from test_filtering import committed
from test_tls import pki  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
ORDER_V1 = json.dumps({"type": "record", "name": "Order", "namespace": "shop", "fields": [
    {"name": "id", "type": "string"}, {"name": "qty", "type": "int"},
    {"name": "note", "type": ["null", "string"], "default": None},
    {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["RETAIL", "BULK"]}},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "price", "type": "double"}]})
# Version 2 adds a field with a default (a compatible change): both versions on one topic.
ORDER_V2 = json.dumps({**json.loads(ORDER_V1), "fields": json.loads(ORDER_V1)["fields"] + [
    {"name": "channel", "type": "string", "default": "web"}]})
KEY_SCHEMA = json.dumps({"type": "record", "name": "OrderKey", "namespace": "shop",
                         "fields": [{"name": "shop", "type": "long"}]})
JSON_SCHEMA = json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "title": "Payment",
                          "type": "object", "required": ["id", "amount"],
                          "properties": {"id": {"type": "string"}, "amount": {"type": "number", "minimum": 0}}})


@pytest.fixture(scope="session")
def registry_url(tmp_path_factory):
    """The suite's registry (scripts/test.sh starts one for every worker), or one of our own."""
    if os.environ.get("ESM_SCHEMA_REGISTRY"):
        yield os.environ["ESM_SCHEMA_REGISTRY"]
        return
    run = tmp_path_factory.mktemp("registry")
    out = subprocess.run([str(ROOT / "scripts" / "schema_registry.sh"), "start", str(run)],
                         check=True, capture_output=True, text=True).stdout
    yield next(l.split("=", 1)[1] for l in out.splitlines() if l.startswith("SCHEMA_REGISTRY_URL="))
    subprocess.run([str(ROOT / "scripts" / "schema_registry.sh"), "stop", str(run)], check=False)


class Registry:
    """confluent-kafka's registry client and serializers; subjects are named per test."""

    def __init__(self, url):
        self.url = url
        # A bounded wait for each request (the client's default is none), which it retries: once in
        # CI a request to the registry got no answer, and the test hung for good.
        self.client = SchemaRegistryClient({"url": url, "timeout": 10})
        self.tag = uuidlib.uuid4().hex[:8]

    def avro(self, schema, topic, field=MessageField.VALUE):
        ser = AvroSerializer(self.client, schema)
        return lambda obj: ser(obj, SerializationContext(topic, field))

    def json_schema(self, schema, topic):
        ser = JSONSerializer(schema, self.client)
        return lambda obj: ser(obj, SerializationContext(topic, MessageField.VALUE))

    def schema_id(self, framed):
        return str(int.from_bytes(framed[1:5], "big"))


@pytest.fixture
def registry(registry_url):
    return Registry(registry_url)


def produce_bytes(bootstrap, topic, items, partition=0):
    """items: (key bytes or None, value bytes or None)."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    for key, value in items:
        p.produce(topic, key=key, value=value, partition=partition)
    assert p.flush(30) == 0


def registry_config(url, fmt="JSON", attributes=("VALUE",), **extra):
    return {"SchemaRegistryURI": url, "EventRecordFormat": fmt,
            "SchemaValidationConfigs": [{"Attribute": a} for a in attributes], **extra}


def create_decoding(c, emu, topic, config, **extra):
    params = dict(extra)
    params["SelfManagedKafkaEventSourceConfig"] = {"SchemaRegistryConfig": config}
    return create(c, emu, topic, **params)


def records(sink, topic):
    return [r for e in sink.events if not e["failed"] for rs in e["event"]["records"].values()
            for r in rs if r["topic"] == topic]


def powertools(event, **schema):
    """What AWS Lambda Powertools' Kafka consumer makes of the event (its own deserializers)."""
    from aws_lambda_powertools.utilities.kafka import ConsumerRecords, SchemaConfig, kafka_consumer

    got = []

    @kafka_consumer(schema_config=SchemaConfig(**schema))
    def handler(ev: ConsumerRecords, context):
        for r in ev.records:
            got.append((r.key, r.value, r.value_schema_metadata.data_format
                        if r.value_schema_metadata else None))
        return {}

    handler(event, None)
    return got


ORDERS = [{"id": "o1", "qty": 2, "note": None, "kind": "RETAIL", "tags": ["a", "b"], "price": 9.5},
          {"id": "o2", "qty": 40, "note": "rush", "kind": "BULK", "tags": [], "price": 120.25}]


def test_avro_values_arrive_as_json_with_their_schema_id_and_powertools_reads_them(
        tmp_path, kafka_port, function_sink, clients_for, registry):
    emu = start(tmp_path, kafka_port, function_sink, ["orders:1"])
    v1 = registry.avro(ORDER_V1, "orders")
    v2 = registry.avro(ORDER_V2, "orders")
    framed = [v1(ORDERS[0]), v2({**ORDERS[1], "channel": "shop"})]
    produce_bytes(emu.kafka_bootstrap, "orders", [(b"k1", framed[0]), (None, framed[1])])
    m = create_decoding(clients_for(emu), emu, "orders", registry_config(registry.url))
    eventually(lambda: len(records(function_sink, "orders")) == 2, message="both orders")
    got = records(function_sink, "orders")
    assert [json.loads(base64.b64decode(r["value"])) for r in got] == [
        ORDERS[0], {**ORDERS[1], "channel": "shop"}]  # each by its own version's schema
    assert [r["valueSchemaMetadata"] for r in got] == [
        {"dataFormat": "JSON", "schemaId": registry.schema_id(f)} for f in framed]
    assert registry.schema_id(framed[0]) != registry.schema_id(framed[1])
    # The key was not asked for: as produced, and no keySchemaMetadata.
    assert base64.b64decode(got[0]["key"]) == b"k1" and "keySchemaMetadata" not in got[0]
    event = next(e["event"] for e in function_sink.events if not e["failed"])
    assert [v for _, v, _ in powertools(event, value_schema_type="JSON")] == [
        ORDERS[0], {**ORDERS[1], "channel": "shop"}][:len(event["records"]["orders-0"])]
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], "orders") == 2)
    emu.stop()


def test_source_delivers_avro_key_and_value_without_the_framing(
        tmp_path, kafka_port, function_sink, clients_for, registry):
    emu = start(tmp_path, kafka_port, function_sink, ["src:1"])
    key = registry.avro(KEY_SCHEMA, "src", MessageField.KEY)({"shop": 7})
    value = registry.avro(ORDER_V1, "src")(ORDERS[1])
    produce_bytes(emu.kafka_bootstrap, "src", [(key, value)])
    create_decoding(clients_for(emu), emu, "src",
                    registry_config(registry.url, "SOURCE", ("KEY", "VALUE")))
    eventually(lambda: len(records(function_sink, "src")) == 1)
    r = records(function_sink, "src")[0]
    assert base64.b64decode(r["value"]) == value[5:] and base64.b64decode(r["key"]) == key[5:]
    assert r["valueSchemaMetadata"] == {"dataFormat": "AVRO", "schemaId": registry.schema_id(value)}
    assert r["keySchemaMetadata"] == {"dataFormat": "AVRO", "schemaId": registry.schema_id(key)}
    event = function_sink.events[-1]["event"]
    [(k, v, fmt)] = powertools(event, value_schema_type="AVRO", value_schema=ORDER_V1,
                               key_schema_type="AVRO", key_schema=KEY_SCHEMA)
    assert (k, v, fmt) == ({"shop": 7}, ORDERS[1], "AVRO")
    emu.stop()


def test_json_schema_records_are_validated_and_failures_go_to_the_destination(
        tmp_path, kafka_port, function_sink, clients_for, registry):
    emu = start(tmp_path, kafka_port, function_sink, ["pay:1", "pay-dlq:1"])
    ser = registry.json_schema(JSON_SCHEMA, "pay")
    good = ser({"id": "p1", "amount": 10})
    sid = registry.schema_id(good)
    invalid = b"\x00" + int(sid).to_bytes(4, "big") + b'{"id":"p2","amount":-5}'  # minimum 0
    unknown = b"\x00" + (99999999).to_bytes(4, "big") + b'{"id":"p3","amount":1}'
    unframed = b'{"id":"p4","amount":1}'
    produce_bytes(emu.kafka_bootstrap, "pay", [(b"a", good), (b"b", invalid), (b"c", unknown),
                                              (b"d", unframed), (b"e", good)])
    m = create_decoding(clients_for(emu), emu, "pay", registry_config(registry.url),
                        DestinationConfig={"OnFailure": {"Destination": "kafka://pay-dlq"}})
    eventually(lambda: len(records(function_sink, "pay")) == 2, message="the two valid records")
    assert [(r["offset"], json.loads(base64.b64decode(r["value"]))) for r in records(function_sink, "pay")] == [
        (0, {"id": "p1", "amount": 10}), (4, {"id": "p1", "amount": 10})]
    dlq = read_topic(emu.kafka_bootstrap, "pay-dlq", 3)
    docs = [json.loads(msg.value()) for msg in dlq]
    assert [msg.key() for msg in dlq] == [b"b", b"c", b"d"]
    assert [d["requestContext"]["condition"] for d in docs] == [
        "DESERIALIZATION_ERROR", "SCHEMA_NOT_FOUND", "DESERIALIZATION_ERROR"]
    # The destination gets the record as produced (framing and all).
    assert [base64.b64decode(d["payload"]["records"]["pay-0"][0]["value"]) for d in docs] == [
        invalid, unknown, unframed]
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], "pay") == 5)
    emu.stop()


def test_undecodable_records_without_a_destination_are_dropped_and_filters_read_decoded_values(
        tmp_path, kafka_port, function_sink, clients_for, registry):
    emu = start(tmp_path, kafka_port, function_sink, ["drop:1"])
    v1 = registry.avro(ORDER_V1, "drop")
    produce_bytes(emu.kafka_bootstrap, "drop", [
        (None, v1(ORDERS[0])), (None, b"\x00\x05\xf5\xe0\xffnot avro"), (None, v1(ORDERS[1])),
        (None, b"\x00" + v1(ORDERS[0])[1:5] + b"\x02")])  # truncated: not valid for its schema
    bulk = {"Filters": [{"Pattern": json.dumps({"value": {"kind": ["BULK"]}})}]}
    m = create_decoding(clients_for(emu), emu, "drop", registry_config(registry.url, "SOURCE"),
                        FilterCriteria=bulk)
    eventually(lambda: len(records(function_sink, "drop")) == 1)
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], "drop") == 4)
    assert [r["offset"] for r in records(function_sink, "drop")] == [2]  # the filter saw JSON
    logs = emu.logs()
    assert "(SCHEMA_NOT_FOUND)" in logs and "(DESERIALIZATION_ERROR)" in logs
    assert "dropped: no OnFailure destination" in logs
    text = urllib.request.urlopen(emu.endpoint + "/metrics", timeout=5).read().decode()
    line = lambda name: next(l for l in text.splitlines() if l.startswith(name) and m["UUID"] in l)
    assert line("esm_schema_not_found_events_total").endswith(" 1")
    assert line("esm_deserialization_error_events_total").endswith(" 1")
    assert line("esm_filtered_out_events_total").endswith(" 1")
    emu.stop()


class RegistryProxy:
    """A proxy in front of the registry that answers 503 while `down`. With `tls` (certificate
    file, key file) it serves https; with `client_ca` too, only to clients whose certificate that
    CA signed (`client_subjects` lists the subjects seen)."""

    def __init__(self, target, down=False, tls=None, client_ca=None):
        self.down = down
        self.requests = 0
        self.client_subjects = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                proxy.requests += 1
                if tls and client_ca:
                    subject = dict(x[0] for x in self.connection.getpeercert()["subject"])
                    proxy.client_subjects.append(subject.get("commonName"))
                if proxy.down:
                    status, body = 503, b'{"message":"down"}'
                else:
                    try:
                        with urllib.request.urlopen(target + self.path, timeout=10) as r:
                            status, body = r.status, r.read()
                    except urllib.error.HTTPError as e:
                        status, body = e.code, e.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            if client_ca:
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(client_ca)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_a_registry_that_does_not_answer_holds_records_back_until_it_does(
        tmp_path, kafka_port, function_sink, clients_for, registry):
    emu = start(tmp_path, kafka_port, function_sink, ["held:1"])
    v1 = registry.avro(ORDER_V1, "held")
    produce_bytes(emu.kafka_bootstrap, "held", [(None, v1(ORDERS[0])), (None, v1(ORDERS[1]))])
    flaky = RegistryProxy(registry.url, down=True)
    c = clients_for(emu)
    m = create_decoding(c, emu, "held", registry_config(flaky.url))
    eventually(lambda: "PROBLEM: Schema registry error. The schema registry " in c.call(
        "GetEventSourceMapping", UUID=m["UUID"]).get("LastProcessingResult", ""),
        message="the PROBLEM")
    eventually(lambda: flaky.requests >= 2, message="asked again")
    assert records(function_sink, "held") == []
    assert committed(emu.kafka_bootstrap, m["UUID"], "held") < 0  # nothing committed
    flaky.down = False
    eventually(lambda: len(records(function_sink, "held")) == 2, message="delivered once it answers")
    assert [json.loads(base64.b64decode(r["value"]))["id"] for r in records(function_sink, "held")] == ["o1", "o2"]
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], "held") == 2)
    flaky.close()
    emu.stop()


def protobuf_classes():
    """Two message types of one .proto file (Order its first: message indexes [0]; Line its
    second: [1]), made at run time as protoc-generated classes would be."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    f = descriptor_pb2.FileDescriptorProto(name="shop_order.proto", package="shop", syntax="proto3")
    order = f.message_type.add(name="Order")
    order.field.add(name="order_id", number=1, type=9, label=1)  # string
    order.field.add(name="lines", number=2, type=11, label=3, type_name=".shop.Line")
    order.field.add(name="total_cents", number=3, type=3, label=1)  # int64
    line = f.message_type.add(name="Line")
    line.field.add(name="sku", number=1, type=9, label=1)
    line.field.add(name="qty", number=2, type=5, label=1)  # int32
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return {n: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"shop.{n}"))
            for n in ("Order", "Line")}


@pytest.mark.parametrize("fmt", ["JSON", "SOURCE"])
def test_protobuf_records_by_their_message_indexes(tmp_path, kafka_port, function_sink, clients_for,
                                                   registry, fmt):
    emu = start(tmp_path, kafka_port, function_sink, ["pb:1"])
    classes = protobuf_classes()
    conf = {"use.deprecated.format": False}
    ctx = SerializationContext("pb", MessageField.VALUE)
    order = classes["Order"](order_id="A-1", total_cents=12345678901,
                             lines=[classes["Line"](sku="x", qty=2), classes["Line"](sku="y")])
    framed = [ProtobufSerializer(classes["Order"], registry.client, conf)(order, ctx),
              ProtobufSerializer(classes["Line"], registry.client, conf)(classes["Line"](sku="z", qty=5), ctx)]
    assert framed[0][5:6] == b"\x00" and framed[1][5:7] == b"\x02\x02"  # indexes [0] and [1]
    produce_bytes(emu.kafka_bootstrap, "pb", [(None, f) for f in framed])
    create_decoding(clients_for(emu), emu, "pb", registry_config(registry.url, fmt))
    eventually(lambda: len(records(function_sink, "pb")) == 2, message="both messages")
    got = records(function_sink, "pb")
    expected = [{"order_id": "A-1", "lines": [{"sku": "x", "qty": 2}, {"sku": "y"}],
                 "total_cents": "12345678901"},  # int64 as a string: Protobuf's JSON mapping
                {"sku": "z", "qty": 5}]
    ids = [registry.schema_id(f) for f in framed]
    if fmt == "JSON":
        assert [json.loads(base64.b64decode(r["value"])) for r in got] == expected
        assert [r["valueSchemaMetadata"] for r in got] == [{"dataFormat": "JSON", "schemaId": i} for i in ids]
    else:
        # Without the magic byte and schema id, message indexes kept (Powertools removes them).
        assert [base64.b64decode(r["value"]) for r in got] == [f[5:] for f in framed]
        assert [r["valueSchemaMetadata"] for r in got] == [{"dataFormat": "PROTOBUF", "schemaId": i} for i in ids]
        # Powertools reads message indexes as plain varints, Confluent writes them zigzag: the
        # two agree on [0], so it reads the first message's record.
        first = {**function_sink.events[0]["event"],
                 "records": {"pb-0": function_sink.events[0]["event"]["records"]["pb-0"][:1]}}
        [(_, value, _)] = powertools(first, value_schema_type="PROTOBUF", value_schema=classes["Order"])
        assert value == expected[0]
    emu.stop()


@pytest.fixture
def registry_pki(pki):
    """test_tls's: a test CA, the registry's certificate for 127.0.0.1, a client certificate."""
    return {**pki, "ca_file": pki["ca"], "ca": Path(pki["ca"]).read_text()}


def secret(emu, value):
    sm = boto3.client("secretsmanager", endpoint_url=emu.endpoint, region_name="us-east-1",
                      aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
    return sm.create_secret(Name=f"registry/{uuidlib.uuid4().hex[:8]}", SecretString=json.dumps(value))["ARN"]


def result_of(c, m):
    return c.call("GetEventSourceMapping", UUID=m["UUID"]).get("LastProcessingResult", "")


def test_an_https_registry_is_verified_with_the_root_ca_from_its_secret(
        tmp_path, kafka_port, function_sink, clients_for, registry, registry_pki):
    proxy = RegistryProxy(registry.url, tls=registry_pki["server"])
    emu = start(tmp_path, kafka_port, function_sink, ["tls:1", "tls-no-ca:1"])
    v1 = registry.avro(ORDER_V1, "tls")
    produce_bytes(emu.kafka_bootstrap, "tls", [(None, v1(ORDERS[0]))])
    produce_bytes(emu.kafka_bootstrap, "tls-no-ca", [(None, v1(ORDERS[1]))])
    c = clients_for(emu)
    ca = [{"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": secret(emu, {"certificate": registry_pki["ca"]})}]
    m = create_decoding(c, emu, "tls", registry_config(proxy.url, AccessConfigs=ca))
    eventually(lambda: len(records(function_sink, "tls")) == 1, message="decoded over https")
    assert json.loads(base64.b64decode(records(function_sink, "tls")[0]["value"])) == ORDERS[0]
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], "tls") == 1)
    # Without the secret's CA the registry's certificate is checked against the system's trust
    # store, which does not know the test CA: nothing is decoded, and the PROBLEM says why.
    other = create_decoding(c, emu, "tls-no-ca", registry_config(proxy.url))
    eventually(lambda: "certificate verify failed" in result_of(c, other), message="the TLS PROBLEM")
    assert result_of(c, other).startswith("PROBLEM: Schema registry error.")
    assert records(function_sink, "tls-no-ca") == []
    assert registry_pki["ca"].splitlines()[1] not in emu.logs()
    proxy.close()
    emu.stop()


def test_a_registry_that_requires_a_client_certificate_gets_the_one_from_its_secret(
        tmp_path, kafka_port, function_sink, clients_for, registry, registry_pki):
    proxy = RegistryProxy(registry.url, tls=registry_pki["server"], client_ca=registry_pki["ca_file"])
    emu = start(tmp_path, kafka_port, function_sink, ["mtls:1", "mtls-anon:1"])
    v1 = registry.avro(ORDER_V1, "mtls")
    produce_bytes(emu.kafka_bootstrap, "mtls", [(None, v1(ORDERS[0])), (None, v1(ORDERS[1]))])
    produce_bytes(emu.kafka_bootstrap, "mtls-anon", [(None, v1(ORDERS[1]))])
    c = clients_for(emu)
    cert, key = (Path(f).read_text() for f in registry_pki["client"])
    ca = {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": secret(emu, {"certificate": registry_pki["ca"]})}
    client = {"Type": "CLIENT_CERTIFICATE_TLS_AUTH",
              "URI": secret(emu, {"certificate": cert, "privateKey": key})}
    m = create_decoding(c, emu, "mtls", registry_config(proxy.url, "SOURCE", AccessConfigs=[client, ca]))
    eventually(lambda: len(records(function_sink, "mtls")) == 2, message="decoded over mutual TLS")
    assert [r["valueSchemaMetadata"]["dataFormat"] for r in records(function_sink, "mtls")] == ["AVRO"] * 2
    assert set(proxy.client_subjects) == {"esm-client"}  # the registry saw the secret's certificate
    assert eventually(lambda: committed(emu.kafka_bootstrap, m["UUID"], "mtls") == 2)
    # The CA alone: the registry refuses the handshake; nothing decoded, nothing committed.
    anon = create_decoding(c, emu, "mtls-anon", registry_config(proxy.url, AccessConfigs=[ca]))
    eventually(lambda: "TLS handshake" in result_of(c, anon) or "certificate required" in result_of(c, anon),
               message="the handshake PROBLEM")
    assert records(function_sink, "mtls-anon") == []
    assert committed(emu.kafka_bootstrap, anon["UUID"], "mtls-anon") < 0
    assert key.splitlines()[1] not in emu.logs()
    proxy.close()
    emu.stop()


def test_oauthbearer_registry_access_is_refused_and_nothing_is_created(
        tmp_path, kafka_port, function_sink, clients_for, registry):
    emu = start(tmp_path, kafka_port, function_sink, ["oauth:1"])
    c = clients_for(emu)
    access = [{"Type": "OAUTHBEARER_AUTH", "URI": secret(emu, {"clientId": "a", "clientSecret": "b"})}]
    with pytest.raises(ApiError) as e:
        create_decoding(c, emu, "oauth", registry_config(registry.url, AccessConfigs=access))
    assert e.value.code == "InvalidParameterValueException"
    assert "OAUTHBEARER_AUTH" in e.value.message and "not supported" in e.value.message
    assert c.call("ListEventSourceMappings")["EventSourceMappings"] == []
    emu.stop()
