"""Helpers of the operator's integration tests: the operator as a real ``kopf run`` subprocess.

Shared by ``fogjobs/`` and ``edgedevices/`` (``conftest.py`` beside this file puts this folder
on the path).

The operator runs exactly as the image runs it (``kopf run -m fogcompute_operator.handlers``,
standalone, all namespaces) against the session's control plane, with short scheduling rounds
and backoffs so the lifecycle fits in seconds. ``FogOperator.kill()`` sends SIGKILL and
``start()`` starts a fresh process, for the restart test. Helpers read the objects the API
server holds; every wait is bounded and says what it awaited and what it saw.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

KOPF = Path(sys.executable).parent / "kopf"
WAIT_SECONDS = 60.0
T = TypeVar("T")
OPERATOR_ENV = {
    "FOG_SCHEDULER_ROUND_SECONDS": "0.5",
    "FOG_SCHEDULER_BUDGET_SECONDS": "0.2",
    "FOG_BACKOFF_BASE_SECONDS": "0.5",
    "FOG_BACKOFF_MAX_SECONDS": "2",
    "FOG_PEERING": "false",
    "FOG_LOG_LEVEL": "INFO",
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FogOperator:
    control_plane: Any
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None
    _metrics_port: int = 0
    starts: int = 0
    logs: list[Path] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # on top of OPERATOR_ENV

    def start(self) -> None:
        """Start a fresh operator process and wait until it reports ready."""
        self.starts += 1
        self._metrics_port = _free_port()
        env = {
            **os.environ,
            **OPERATOR_ENV,
            **self.env,
            "KUBECONFIG": str(self.control_plane.admin_kubeconfig),
            "FOG_METRICS_HOST": "127.0.0.1",
            "FOG_METRICS_PORT": str(self._metrics_port),
        }
        argv = [str(KOPF), "run", "-m", "fogcompute_operator.handlers"]
        argv += ["--standalone", "--all-namespaces", "--log-format=json"]
        log = self.workdir / f"operator-{self.starts}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        url = f"http://127.0.0.1:{self._metrics_port}/readyz"
        deadline = time.monotonic() + WAIT_SECONDS
        seen: Any = None
        while time.monotonic() < deadline:
            self.check_alive(f"waiting for {url}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
                    seen = response.status
            except (OSError, urllib.error.URLError) as exc:
                seen = repr(exc)
            time.sleep(0.2)
        pytest.fail(f"operator not ready at {url} in {WAIT_SECONDS:.0f}s: {seen}\n{self.output()}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def metrics(self) -> str:
        """What the operator's ``/metrics`` serves now (Prometheus text format)."""
        url = f"http://127.0.0.1:{self._metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            text: str = response.read().decode()
        return text

    def output(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-4000:]}" for p in self.logs if p.exists())

    def check_alive(self, what: str) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            pytest.fail(f"operator exited ({self.proc.returncode}) while {what}\n{self.output()}")


@dataclass
class Cluster:
    """kubectl helpers bound to one test namespace."""

    control_plane: Any
    operator: FogOperator
    namespace: str

    def kubectl(self, *args: str, input: str | None = None, check: bool = True) -> Any:  # noqa: A002
        return self.control_plane.kubectl(*args, input=input, check=check)

    def apply(self, manifest: dict[str, Any]) -> None:
        manifest["metadata"]["namespace"] = self.namespace
        self.kubectl("apply", "-f", "-", input=json.dumps(manifest))

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        result = self.kubectl("get", kind, name, "-n", self.namespace, "-o", "json", check=False)
        if result.returncode != 0:
            return None
        found: dict[str, Any] = json.loads(result.stdout)
        return found

    def job(self, name: str) -> dict[str, Any]:
        return self.get("fogjob", name) or {}

    def pods(self, job: str) -> list[dict[str, Any]]:
        result = self.kubectl(
            "get", "pods", "-n", self.namespace, "-l", f"fogcompute.io/fogjob={job}", "-o", "json"
        )
        items: list[dict[str, Any]] = json.loads(result.stdout)["items"]
        return sorted(items, key=lambda p: p["metadata"]["name"])

    def event_reasons(self, job: str) -> list[str]:
        selector = f"involvedObject.name={job},involvedObject.kind=FogJob"
        result = self.kubectl(
            "get", "events", "-n", self.namespace, "--field-selector", selector, "-o", "json"
        )
        events = json.loads(result.stdout)["items"]
        events.sort(key=lambda e: e.get("eventTime") or e.get("firstTimestamp") or "")
        return [e["reason"] for e in events]

    def wait_for(
        self, what: str, probe: Callable[[], tuple[T | None, Any]], timeout: float = WAIT_SECONDS
    ) -> T:
        """Poll ``probe`` (the awaited value or None, and what it saw) until ``timeout``."""
        deadline = time.monotonic() + timeout
        seen: Any = None
        while time.monotonic() < deadline:
            self.operator.check_alive(f"waiting for {what}")
            value, seen = probe()
            if value is not None:
                return value
            time.sleep(0.2)
        pytest.fail(
            f"waited {timeout:.0f}s for {what}; last seen: {seen!r}\n{self.operator.output()}"
        )

    def wait_job(
        self, name: str, what: str, test: Callable[[dict[str, Any]], bool], timeout: float = 60
    ) -> dict[str, Any]:
        def probe() -> tuple[dict[str, Any] | None, Any]:
            job = self.job(name)
            status = job.get("status") or {}
            return (job if job and test(job) else None), status

        return self.wait_for(f"FogJob {name}: {what}", probe, timeout)


def condition(job: dict[str, Any], type_: str) -> dict[str, Any] | None:
    for found in (job.get("status") or {}).get("conditions") or ():
        if found["type"] == type_:
            return dict(found)
    return None


def fogjob(name: str, **spec: Any) -> dict[str, Any]:
    """A FogJob manifest; ``outcome``/``delay_ms`` set the kwok test-hook annotations."""
    annotations = {}
    if "outcome" in spec:
        annotations["fogcompute.io/kwok-outcome"] = spec.pop("outcome")
    if "delay" in spec:
        annotations["fogcompute.io/kwok-delay"] = spec.pop("delay")
    body: dict[str, Any] = {
        "tier": "bronze",
        "container": {"image": "busybox:1.36", "command": ["sleep", "5"]},
        "resources": {"cpu": "500m", "memory": "64Mi"},
        **spec,
    }
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "FogJob",
        "metadata": {"name": name, "annotations": annotations},
        "spec": body,
    }
