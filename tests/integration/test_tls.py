"""https:// function targets and AWS endpoints: TLS through OpenSSL, the server's certificate
verified against the CA the operator names (ca=FILE per function, --ca-file) or the system's
trust store, never skipped. Certificates made here by the openssl command: a test CA, a server
certificate it signs for 127.0.0.1 and localhost, one it signs for another name, one signed by
nobody the emulator trusts."""
import json

import pytest

from conftest import assert_no_sanitizer_report, eventually
from sinks import HttpSink
from test_aws_destinations import ACCOUNT, AWS_ENV, Moto, QUEUE_ARN, receive_all
from test_error_handling import bad_value, create, produce, start, values
import subprocess


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def issue(d, name, san, ca="ca"):
    """A key and a certificate for `san` signed by `ca` (or self-signed with ca=None)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    if ca is None:
        openssl("req", "-x509", *ec, "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
                "-subj", f"/CN={name}", "-addext", f"subjectAltName={san}", cwd=d)
        return str(d / f"{name}.pem"), str(d / f"{name}.key")
    (d / f"{name}.ext").write_text(f"subjectAltName={san}\n")
    openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d)
    return str(d / f"{name}.pem"), str(d / f"{name}.key")


@pytest.fixture
def pki(tmp_path):
    d = tmp_path / "pki"
    d.mkdir()
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=esm-test-ca", cwd=d)
    return {"dir": d, "ca": str(d / "ca.pem"),
            "server": issue(d, "server", "IP:127.0.0.1,DNS:localhost"),
            "other_name": issue(d, "other", "DNS:other.example"),
            "untrusted": issue(d, "stranger", "IP:127.0.0.1,DNS:localhost", ca=None),
            "client": issue(d, "esm-client", "DNS:esm-client")}  # a client certificate (mTLS)


def result(client, uuid):
    return client.call("GetEventSourceMapping", UUID=uuid)["LastProcessingResult"]


def test_https_functions_verified_against_the_named_ca(tmp_path, kafka_port, function_sink, clients_for, pki):
    good, by_name = HttpSink(tls=pki["server"]), HttpSink(tls=pki["server"])
    wrong_name, stranger = HttpSink(tls=pki["other_name"]), HttpSink(tls=pki["untrusted"])
    system = HttpSink(tls=pki["server"])
    try:
        emu = start(tmp_path, kafka_port, function_sink, ["ta:1", "tb:1", "tc:1", "td:1"], [
            "--ca-file", pki["ca"],
            "--function", f"ca={good.url}/?q=1,ca={pki['ca']}",
            "--function", f"dns={by_name.url.replace('127.0.0.1', 'localhost')}",  # --ca-file
            "--function", f"name={wrong_name.url}",
            "--function", f"stranger={stranger.url}",
        ])
        c = clients_for(emu)
        for topic in ("ta", "tb", "tc", "td"):
            produce(emu.kafka_bootstrap, topic, [f"{topic}0", f"{topic}1"])
        m = {t: create(c, emu, t, FunctionName=f, BatchSize=10) for t, f in
             [("ta", "ca"), ("tb", "dns"), ("tc", "name"), ("td", "stranger")]}
        for sink, topic in ((good, "ta"), (by_name, "tb")):
            eventually(lambda: sorted(v for e in sink.events for _, _, v in values(e["event"])) == [f"{topic}0", f"{topic}1"],
                       message=f"{topic} delivered over TLS")
            assert {k.lower(): v for k, v in sink.events[0]["headers"].items()}["content-type"] == "application/json"
            eventually(lambda: result(c, m[topic]["UUID"]) == "OK", message="OK")
        assert good.events[0]["path"] == "/invoke/?q=1"  # path and query as declared
        for topic, why in (("tc", "certificate verify failed"), ("td", "certificate verify failed")):
            problem = eventually(lambda: (r := result(c, m[topic]["UUID"])).startswith("PROBLEM") and r,
                                 message=f"{topic}: a TLS PROBLEM")
            assert problem.startswith("PROBLEM: Connection error. The function endpoint's TLS certificate was not accepted: TLS handshake with 127.0.0.1:"), problem
            assert why in problem, problem
        assert "IP address mismatch" in result(c, m["tc"]["UUID"])
        assert not wrong_name.events and not stranger.events  # nothing sent to either
        emu.stop()
        assert_no_sanitizer_report(emu)
        # Without --ca-file or ca=, the system's trust store decides: the test CA is not in it.
        emu = start(tmp_path, kafka_port, function_sink, ["te:1"], ["--function", f"sys={system.url}"])
        c = clients_for(emu)
        produce(emu.kafka_bootstrap, "te", ["te0"])
        sys_mapping = create(c, emu, "te", FunctionName="sys", BatchSize=10)
        problem = eventually(lambda: (r := result(c, sys_mapping["UUID"])).startswith("PROBLEM") and r,
                             message="system trust store refuses the test CA")
        assert "unable to get local issuer certificate" in problem, problem
        assert not system.events
        emu.stop()
    finally:
        for s in (good, by_name, wrong_name, stranger, system):
            s.close()


def test_an_https_sqs_destination(tmp_path, kafka_port, function_sink, clients_for, pki):
    moto = Moto(tls=(*pki["server"], pki["ca"]))
    try:
        sqs = moto.client("sqs")
        url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        emu = start(tmp_path, kafka_port, function_sink, ["tp:1"],
                    ["--aws-endpoint", moto.url, "--ca-file", pki["ca"]], env=AWS_ENV)
        function_sink.fail = bad_value
        produce(emu.kafka_bootstrap, "tp", ["bad0"])
        create(clients_for(emu), emu, "tp", MaximumRetryAttempts=0, BatchSize=10,
               DestinationConfig={"OnFailure": {"Destination": QUEUE_ARN}})
        messages = receive_all(sqs, url, 1)
        assert len(messages) == 1
        doc = json.loads(messages[0]["Body"])
        assert doc["KafkaBatchInfo"]["recordsInfo"]["tp-0"]["firstRecordOffset"] == "0"
        assert ACCOUNT in QUEUE_ARN
        emu.stop()
    finally:
        moto.stop()
