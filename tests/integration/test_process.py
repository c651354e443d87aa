"""The process contract of DESIGN §2: bad flags and busy ports exit 2 with one line naming the
problem; environment variables work; SIGTERM exits 0."""
import socket
import subprocess

from conftest import BINARY, Emulator


def run(args, env=None):
    return subprocess.run([str(BINARY), *args], capture_output=True, text=True, timeout=30, env=env)


def test_bad_flags_exit_2_with_one_line_naming_them():
    for args, needle in ((["--nope"], "--nope"), (["--listen", "nowhere"], "--listen"),
                         (["--function", "bad"], "NAME=TARGET"), (["--log-level", "loud"], "--log-level")):
        proc = run([*args, "--ephemeral"])
        assert proc.returncode == 2, args
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], proc.stderr


def test_a_port_in_use_exits_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = run(["--ephemeral", "--listen", f"127.0.0.1:{port}"])
        assert proc.returncode == 2
        assert "cannot listen on" in proc.stderr and str(port) in proc.stderr


def test_environment_variables_configure_and_sigterm_exits_0(tmp_path):
    import os
    env = dict(os.environ, ESM_REGION="eu-central-1", ESM_ACCOUNT_ID="111122223333", ESM_FUNCTION="f=exec:true")
    emu = Emulator(tmp_path, [], env=env)
    emu.start()
    import boto3
    c = boto3.client("lambda", endpoint_url=emu.endpoint, region_name="us-east-1",
                     aws_access_key_id="a", aws_secret_access_key="b")
    m = c.create_event_source_mapping(
        FunctionName="f", Topics=["orders"], Enabled=False,
        EventSourceArn="arn:aws:kafka:eu-central-1:111122223333:cluster/c/u")
    # The credential scope (us-east-1) wins over ESM_REGION; the account comes from ESM_ACCOUNT_ID.
    assert m["FunctionArn"] == "arn:aws:lambda:us-east-1:111122223333:function:f"
    assert emu.stop() == 0
    assert "received SIGTERM, shutting down" in emu.logs() and emu.logs().rstrip().endswith("stopped")


def test_the_startup_log_names_librdkafka_and_the_embedded_clusters_limits(tmp_path, kafka_port):
    """Issue 11: the librdkafka the binary runs with, what it lacks, and the embedded cluster's
    limits with the pointer to a real broker, in the log at startup."""
    version = subprocess.run(["pkg-config", "--modversion", "rdkafka"], capture_output=True, text=True,
                             check=True).stdout.strip()
    emu = Emulator(tmp_path, ["--ephemeral", f"--embedded-kafka=127.0.0.1:{kafka_port}"]).start()
    assert emu.stop() == 0
    logs = emu.logs()
    assert f"librdkafka {version} (built with {version})" in logs
    if tuple(int(x) for x in version.split(".")[:3]) < (2, 15, 0):
        assert "share groups (ConsumptionMode Queue, 2.15)" in logs
    assert "in-memory mock cluster" in logs and "about 5 MB per partition" in logs
    assert "scripts/kafka.sh start DIR" in logs
