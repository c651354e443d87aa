"""Bad input over raw HTTP: each gets a clear AWS-shaped error (or a closed connection for a
broken stream), changes nothing, and the server keeps serving everyone else."""
import http.client
import json
import socket
import time

import pytest

from conftest import eventually

CREATE = "/2015-03-31/event-source-mappings"


def request(emulator, method, path, body=None, headers=None):
    host, port = emulator.endpoint.replace("http://", "").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(headers or {})
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def count_mappings(emulator):
    status, _, data = request(emulator, "GET", CREATE)
    assert status == 200
    return len(json.loads(data)["EventSourceMappings"])


def valid_body(emulator, **extra):
    body = {"FunctionName": "orders", "Topics": ["orders"], "Enabled": False,
            "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [emulator.kafka_bootstrap]}},
            "SourceAccessConfigurations": [{"Type": "VPC_SUBNET", "URI": "subnet:s-1"}]}
    body.update(extra)
    return json.dumps(body)


def assert_error(status, headers, data, want_status, want_type):
    assert status == want_status, data
    assert headers["x-amzn-errortype"] == want_type
    assert headers["x-amzn-requestid"]
    assert headers["content-type"] == "application/json"
    body = json.loads(data)
    assert body.get("message") or body.get("Message")
    return body


def test_create_accepts_both_paths_and_every_response_has_a_request_id(emulator):
    s1, h1, d1 = request(emulator, "POST", CREATE, valid_body(emulator))
    s2, h2, d2 = request(emulator, "POST", CREATE + "/", valid_body(emulator, Topics=["other-topic"]))
    assert (s1, s2) == (202, 202)
    assert h1["x-amzn-requestid"] != h2["x-amzn-requestid"]
    s, h, d = request(emulator, "GET", CREATE + "/")
    assert s == 200 and len(json.loads(d)["EventSourceMappings"]) == 2


@pytest.mark.parametrize("body,status,etype", [
    ("{not json", 400, "InvalidRequestContentException"),
    ("[1,2]", 400, "InvalidRequestContentException"),
    (b'{"FunctionName":"or\xffders"}', 400, "InvalidRequestContentException"),
    ('{"FunctionName": 5, "Topics": ["orders"]}', 400, "ValidationException"),
    ('{"FunctionName": "orders", "Topics": "orders"}', 400, "ValidationException"),
    ('{"FunctionName": "orders", "BatchSize": 99999999999999999999}', 400, "ValidationException"),
])
def test_malformed_bodies_are_refused_and_change_nothing(emulator, body, status, etype):
    s, h, d = request(emulator, "POST", CREATE, body)
    payload = assert_error(s, h, d, status, etype)
    if etype == "ValidationException":
        assert "Type" not in payload and "validation error" in payload["message"]
    else:
        assert payload["Type"] == "User"
    assert count_mappings(emulator) == 0


def test_deeply_nested_bodies_are_refused_and_the_server_lives_on(emulator):
    """A megabyte of nesting once overflowed the HTTP thread's stack (the parser and the walks
    over a parsed body recurse): the emulator died. Past 1000 levels a body is refused."""
    depth = 1_000_000
    for body in ("[" * depth + "]" * depth,
                 '{"FunctionName":"orders","Unknown":' + "[" * depth + "]" * depth + "}",
                 valid_body(emulator, BatchSize="X").replace('"X"', "[" * depth + "]" * depth)):
        s, h, d = request(emulator, "POST", CREATE, body)
        payload = assert_error(s, h, d, 400, "InvalidRequestContentException")
        assert "nested deeper than 1000 levels" in payload["message"]
    # Within the limit, a nested value where an integer belongs is a validation error as before.
    s, h, d = request(emulator, "POST", CREATE,
                      valid_body(emulator, BatchSize="X").replace('"X"', "[" * 999 + "]" * 999))
    assert_error(s, h, d, 400, "ValidationException")
    assert count_mappings(emulator) == 0
    s, _, _ = request(emulator, "POST", CREATE, valid_body(emulator))
    assert s == 202


def test_validation_message_names_the_camel_case_path(emulator):
    s, h, d = request(emulator, "POST", CREATE, valid_body(emulator, BatchSize=0, StartingPosition="NOW"))
    body = assert_error(s, h, d, 400, "ValidationException")
    assert body["message"].startswith("2 validation errors detected: ")
    assert "Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1" in body["message"]
    assert "at 'startingPosition'" in body["message"]


def test_unknown_routes_verbs_media_types_and_sizes(emulator):
    assert_error(*request(emulator, "GET", "/2015-03-31/nothing-here"), 404, "UnknownOperationException")
    assert_error(*request(emulator, "PATCH", CREATE, "{}"), 405, "MethodNotAllowedException")
    assert_error(*request(emulator, "POST", CREATE, "FunctionName=x", {"Content-Type": "application/x-www-form-urlencoded"}),
                 415, "UnsupportedMediaTypeException")
    big = '{"FunctionName": "' + "a" * (6 * 1024 * 1024 + 10) + '"}'
    assert_error(*request(emulator, "POST", CREATE, big), 413, "RequestTooLargeException")
    assert_error(*request(emulator, "GET", CREATE + "?MaxItems=%zz"), 400, "InvalidRequestContentException")
    flood = "&".join(f"k{i}=v" for i in range(500))
    assert_error(*request(emulator, "GET", CREATE + "?" + flood), 400, "InvalidRequestContentException")
    assert_error(*request(emulator, "GET", CREATE + "/short-uuid"), 400, "ValidationException")
    assert_error(*request(emulator, "GET", CREATE + "?MaxItems=0"), 400, "ValidationException")
    assert_error(*request(emulator, "GET", CREATE + "?Marker=forged"), 400, "InvalidParameterValueException")
    s, h, d = request(emulator, "GET", CREATE + "/12345678-1234-4234-8234-123456789012")
    assert assert_error(s, h, d, 404, "ResourceNotFoundException") == {
        "Type": "User", "Message": "The resource you requested does not exist."}
    assert count_mappings(emulator) == 0


def test_health(emulator):
    s, h, d = request(emulator, "GET", "/health")
    assert s == 200 and json.loads(d)["status"] == "ok"


def raw(emulator):
    host, port = emulator.endpoint.replace("http://", "").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)


def read_all(sock):
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def test_broken_http_streams_get_a_closed_connection_and_others_are_served(emulator):
    garbage = raw(emulator)
    garbage.sendall(b"THIS IS NOT HTTP\r\n\r\n")
    reply = read_all(garbage)
    assert reply == b"" or reply.startswith(b"HTTP/1.1 400")
    garbage.close()

    huge_header = raw(emulator)
    huge_header.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
    reply = read_all(huge_header)
    assert reply == b"" or reply.startswith(b"HTTP/1.1 400")
    huge_header.close()

    # A client that sends half a request and then stalls, and one that half-closes, hold no one up.
    slow = raw(emulator)
    slow.sendall(b"POST " + CREATE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    half = raw(emulator)
    half.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    half.shutdown(socket.SHUT_WR)
    start = time.monotonic()
    for _ in range(20):
        assert request(emulator, "GET", "/health")[0] == 200
    assert time.monotonic() - start < 10
    slow.close()
    half.close()
    assert count_mappings(emulator) == 0
    assert emulator.proc.poll() is None
