"""The operator as a real process against the real control plane: probes, metrics, JSON logs,
peering and a clean exit on SIGTERM.

Runs exactly what the image runs (``kopf run -m fogcompute_operator.handlers``) as a subprocess
with the admin kubeconfig, on free loopback ports.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

ROOT = Path(__file__).resolve().parents[2]
PEERING_CRD = (
    ROOT / "charts" / "fog-compute" / "files" / "kopf" / "clusterkopfpeerings.kopf.dev.yaml"
)
KOPF = Path(sys.executable).parent / "kopf"
STARTUP_TIMEOUT = 90.0
EXIT_TIMEOUT = 40.0
T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, repr(exc)


@dataclass
class Operator:
    proc: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    health_url: str
    metrics_port: int
    peering: str

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}"

    def output(self) -> str:
        return (
            f"--- stdout (last 3000 chars)\n{self.stdout.read_text()[-3000:]}\n"
            f"--- stderr (last 3000 chars)\n{self.stderr.read_text()[-3000:]}"
        )

    def wait_for(self, what: str, probe: Callable[[], tuple[T | None, Any]]) -> T:
        """Poll ``probe`` (returns the awaited value or None, and what it saw) within a bound."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        seen: Any = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"operator exited ({self.proc.returncode}) while waiting for {what}; "
                    f"last seen: {seen!r}\n{self.output()}"
                )
            value, seen = probe()
            if value is not None:
                return value
            time.sleep(0.25)
        pytest.fail(
            f"waited {STARTUP_TIMEOUT:.0f}s for {what}; last seen: {seen!r}\n{self.output()}"
        )


@pytest.fixture(scope="module")
def peering_crd(control_plane: Any) -> str:
    control_plane.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(PEERING_CRD))
    name = "clusterkopfpeerings.kopf.dev"
    control_plane.kubectl("wait", "--for=condition=Established", "--timeout=60s", f"crd/{name}")
    return name


@pytest.fixture
def operator(
    control_plane: Any, crds: list[str], peering_crd: str, tmp_path: Path
) -> Iterator[Operator]:
    del crds, peering_crd  # the operator starts against a cluster that has both
    health, metrics = free_port(), free_port()
    peering = f"fog-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "KUBECONFIG": str(control_plane.admin_kubeconfig),
        "FOG_METRICS_HOST": "127.0.0.1",
        "FOG_METRICS_PORT": str(metrics),
        "FOG_PEERING": "true",
        "FOG_PEERING_NAME": peering,
        "FOG_LOG_LEVEL": "INFO",
    }
    argv = [str(KOPF), "run", "-m", "fogcompute_operator.handlers", "--all-namespaces"]
    argv += ["--log-format=json", f"--liveness=http://127.0.0.1:{health}/healthz"]
    stdout, stderr = tmp_path / "operator.out", tmp_path / "operator.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, cwd=tmp_path)
    op = Operator(
        proc=proc,
        stdout=stdout,
        stderr=stderr,
        health_url=f"http://127.0.0.1:{health}/healthz",
        metrics_port=metrics,
        peering=peering,
    )
    try:
        yield op
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        control_plane.kubectl("delete", "clusterkopfpeering", peering, "--ignore-not-found")


def ok_status(url: str) -> tuple[str | None, Any]:
    status, body = http_get(url)
    return (body if status == 200 else None), (status, body[:200])


def peering_status(control_plane: Any, name: str) -> tuple[dict[str, Any] | None, Any]:
    result = control_plane.kubectl("get", "clusterkopfpeering", name, "-o", "json", check=False)
    if result.returncode != 0:
        return None, result.stderr.strip()
    status = json.loads(result.stdout).get("status") or {}
    return (status or None), status


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"operator stdout has a line that is not JSON: {line!r}")
    return parsed


def test_operator_serves_probes_and_metrics_peers_and_stops_cleanly_on_sigterm(
    operator: Operator, control_plane: Any
) -> None:
    # 1. kopf's liveness endpoint answers, with our probe's result in it.
    health = operator.wait_for("/healthz to answer 200", lambda: ok_status(operator.health_url))
    assert json.loads(health) == {"metrics": f"serving on port {operator.metrics_port}"}

    # 2. Ready once startup finished; metrics carry controller-runtime's families.
    ready = operator.wait_for(
        "/readyz to answer 200", lambda: ok_status(f"{operator.metrics_url}/readyz")
    )
    assert ready == "ok\n"
    status, metrics = http_get(f"{operator.metrics_url}/metrics")
    assert status == 200
    for family, kind in [
        ("controller_runtime_reconcile_total", "counter"),
        ("controller_runtime_reconcile_errors_total", "counter"),
        ("controller_runtime_reconcile_time_seconds", "histogram"),
        ("workqueue_depth", "gauge"),
    ]:
        assert f"# TYPE {family} {kind}" in metrics, f"{family} missing from /metrics"

    # 3. Peering: the operator created its ClusterKopfPeering and keeps itself alive in it.
    peers = operator.wait_for(
        f"a keep-alive in ClusterKopfPeering {operator.peering}",
        lambda: peering_status(control_plane, operator.peering),
    )
    assert len(peers) == 1
    (peer,) = peers.values()
    assert peer["lifetime"] > 0

    # 4. SIGTERM: cleanup runs, the process exits 0 within the bound.
    operator.proc.send_signal(signal.SIGTERM)
    try:
        code = operator.proc.wait(timeout=EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(
            f"operator still running {EXIT_TIMEOUT:.0f}s after SIGTERM\n{operator.output()}"
        )
    assert code == 0, operator.output()

    # 5. Every stdout line is one JSON object with the same keys; started, then stopped.
    lines = json_lines(operator.stdout)
    assert lines, operator.output()
    for line in lines:
        assert {"timestamp", "severity", "message", "logger"} <= line.keys(), line
    messages = [line["message"] for line in lines]
    assert "operator started" in messages, operator.output()
    assert "operator stopped" in messages, operator.output()
    assert messages.index("operator started") < messages.index("operator stopped")
    started = lines[messages.index("operator started")]
    assert started["peering"] == f"peering {operator.peering}"
    assert started["metrics_port"] == operator.metrics_port
    assert not [line for line in lines if line["severity"] in ("error", "fatal")], operator.output()

    # 6. On exit kopf removed its keep-alive from the peering object.
    remaining, seen = peering_status(control_plane, operator.peering)
    assert remaining is None, seen
