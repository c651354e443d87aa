"""Fixtures for the integration suite: the built emulator as a real process, real AWS clients,
small real function endpoints, and Kafka (the emulator's embedded one, or the real broker that
scripts/kafka.sh starts)."""
import os
import pathlib
import random
import signal
import socket
import subprocess
import threading
import time

import pytest

from clients import make_clients

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("ESM_BINARY", ROOT / "build" / "server" / "esm-emulator"))


_handed_out = set()


def _port_range():
    """20000-31999, split between pytest-xdist workers (gw0, gw1, ...) so that no two workers hand
    out the same port (a port handed out is bound only later, and rebound after a restart)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    index = int(worker[2:]) if worker.startswith("gw") else 0
    width = 12000 // max(count, 1)
    return 20000 + index * width, 20000 + (index + 1) * width - 1


def free_port():
    """A loopback port nothing listens on, below the kernel's ephemeral range (32768-60999 by
    default): a port from that range (what binding port 0 gives) can be taken by an outgoing
    connection between this check and the emulator's bind ("Address already in use")."""
    low, high = _port_range()
    for _ in range(1000):
        port = random.randint(low, high)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free loopback port in {low}-{high}")


def eventually(condition, timeout=30.0, interval=0.05, message="condition"):
    """Polls `condition` until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")


class Emulator:
    """One esm-emulator process. Started with --listen on a free port; stdout gives the address."""

    def __init__(self, tmp_path, args, data_dir=None, env=None, default_kafka_properties=True):
        self.tmp_path = tmp_path
        # Short group sessions for the suite's speed; off: librdkafka's defaults, as users run.
        self.default_kafka_properties = default_kafka_properties
        self.args = list(args)
        self.data_dir = data_dir or str(tmp_path / "data")
        self.env = env or {}
        self.proc = None
        self.log_path = tmp_path / f"emulator-{time.monotonic_ns()}.log"
        self.endpoint = None

    def start(self, extra_args=(), expect_exit=False):
        env = dict(os.environ, **self.env)
        kafka_properties = ["--kafka-property", "session.timeout.ms=6000",
                            "--kafka-property", "heartbeat.interval.ms=500"]
        cmd = [str(BINARY), "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
               *(kafka_properties if self.default_kafka_properties else []),
               "--reconcile-interval-ms", "300", "--retry-backoff-max-ms", "500",
               *self.args, *extra_args]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, env=env)
        if expect_exit:
            return self.proc
        line = self._read_line(timeout=20)
        assert line and "listening on" in line, f"emulator did not start: {line!r}\n{self.logs()}"
        self.endpoint = line.strip().split("listening on ")[1]
        return self

    def _read_line(self, timeout):
        result = []
        t = threading.Thread(target=lambda: result.append(self.proc.stdout.readline().decode()))
        t.daemon = True
        t.start()
        t.join(timeout)
        return result[0] if result else None

    def logs(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            self.log.close()
        return self.proc.returncode if self.proc else None

    def kill9(self):
        return self.stop(signal.SIGKILL)


@pytest.fixture
def kafka_port():
    return free_port()


@pytest.fixture
def function_sink():
    from sinks import HttpSink
    sink = HttpSink()
    yield sink
    sink.close()


@pytest.fixture
def emulator(tmp_path, kafka_port, function_sink):
    """An emulator with embedded Kafka at a fixed port and two declared functions."""
    emu = Emulator(tmp_path, [
        f"--embedded-kafka=127.0.0.1:{kafka_port}",
        "--embedded-kafka-topic", "orders:3",
        "--function", f"orders={function_sink.url}",
        "--function", f"my-function={function_sink.url}",
        "--function", f"other={function_sink.url}",
    ])
    emu.kafka_bootstrap = f"127.0.0.1:{kafka_port}"
    emu.start()
    yield emu
    emu.stop()
    assert_no_sanitizer_report(emu)


def assert_no_sanitizer_report(emu):
    """Under scripts/sanitize.sh the binary carries ASan+UBSan or TSan: any report is a failure."""
    logs = emu.logs()
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "WARNING: ThreadSanitizer"):
        assert marker not in logs, f"sanitizer report in the emulator's output:\n{logs[-4000:]}"


@pytest.fixture
def clients(emulator):
    return make_clients(emulator.endpoint)


@pytest.fixture
def clients_for():
    """boto3 bound to a given emulator (for tests that restart it on a new port)."""
    return lambda emu: make_clients(emu.endpoint)["boto3"]


def pytest_configure(config):
    # serial: a test that stops the shared real broker; scripts/test.sh runs these after the
    # parallel part, on their own, so no other test sees the broker go away.
    config.addinivalue_line("markers", "serial: stops shared services; run alone, not under xdist")
    assert BINARY.exists(), f"build first: {BINARY} is missing (scripts/build.sh)"
