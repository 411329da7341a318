"""The scheduler benchmark's access to a real control plane: start it, talk to it, watch it.

Where it sits: under the kube-scheduler and throughput sections of `bench_scheduler.py`. It
starts the testbed's control plane (etcd, kube-apiserver, kube-controller-manager,
kube-scheduler, kwok) in its own state directory, never the tests' (`.run/test`) or `make up`'s
(`.run/up`), builds a Kubernetes client with a connection pool wide enough for a thread pool of
creates, and follows a collection with a raw watch (one JSON line per event, parsed without the
client's slow model deserialisation) in a background thread. It measures nothing itself.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fogcompute_testbed.controlplane import ControlPlane, NodeSpec
from fogcompute_testbed.toolchain import repo_root
from kubernetes import client, config
from kubernetes.watch.watch import iter_resp_lines

STATE_DIR = Path(os.environ.get("FOG_BENCH_STATE_DIR", repo_root() / ".run" / "bench-scheduler"))
WATCH_WINDOW_S = 5  # the server ends each watch request after this; the loop re-opens it

Event = Callable[[str, dict[str, Any], float], None]  # (type, object, wall-clock time seen)

__all__ = [
    "STATE_DIR",
    "CpuMeter",
    "Watcher",
    "api_client",
    "bench_plane",
]


@contextmanager
def bench_plane(nodes: Sequence[NodeSpec]) -> Iterator[ControlPlane]:
    """A fresh control plane in STATE_DIR with `nodes`, stopped on the way out."""
    plane = ControlPlane.start(state_dir=STATE_DIR, nodes=nodes)
    try:
        yield plane
    finally:
        plane.stop()


def api_client(plane: ControlPlane, *, pool: int = 32) -> client.ApiClient:
    configuration = client.Configuration()
    config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=str(plane.admin_kubeconfig), client_configuration=configuration
    )
    configuration.connection_pool_maxsize = pool
    return client.ApiClient(configuration)


class CpuMeter:
    """CPU seconds (user + system) each named process tree spent between `start` and `stop`,
    read from /proc; a pool worker that exits in between is lost, so this is a lower bound."""

    def __init__(self, roots: dict[str, int]) -> None:
        self._roots = roots
        self._before: dict[str, float] = {}

    def start(self) -> CpuMeter:
        self._before = self._now()
        return self

    def stop(self) -> dict[str, float]:
        after = self._now()
        return {name: round(after[name] - self._before.get(name, 0.0), 1) for name in after}

    def _now(self) -> dict[str, float]:
        parent, spent = {}, {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            pid = int(stat.parent.name)
            parent[pid] = int(fields[1])
            spent[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return {
            name: sum(spent[p] for p in _tree(root, parent)) for name, root in self._roots.items()
        }


def _tree(root: int, parent: dict[int, int]) -> set[int]:
    found = {root} if root in parent else set()
    grew = True
    while grew:
        more = {pid for pid, up in parent.items() if up in found and pid not in found}
        found |= more
        grew = bool(more)
    return found


class Watcher:
    """Lists a collection, then watches it in a daemon thread, calling `on_event` for every
    object (the initial list as ADDED). `list_call` is a client list method bound to its
    collection (e.g. `functools.partial(core.list_namespaced_pod, "ns")`)."""

    def __init__(self, list_call: Callable[..., Any], on_event: Event) -> None:
        self._list = list_call
        self._on_event = on_event
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    def start(self) -> Watcher:
        version = self._relist()
        self._thread = threading.Thread(
            target=self._run, args=(version,), name="bench-watch", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=WATCH_WINDOW_S + 10)

    def _relist(self) -> str:
        response = self._list(_preload_content=False)
        body = json.loads(response.data)
        now = time.time()
        for item in body.get("items", []):
            self._on_event("ADDED", item, now)
        return str(body["metadata"]["resourceVersion"])

    def _run(self, version: str) -> None:
        try:
            while not self._stop.is_set():
                version = self._window(version)
        except Exception as exc:  # reported by the section, never raised in a thread
            self.error = f"{type(exc).__name__}: {exc}"

    def _window(self, version: str) -> str:
        response = self._list(
            watch=True,
            resource_version=version,
            allow_watch_bookmarks=True,
            timeout_seconds=WATCH_WINDOW_S,
            _preload_content=False,
            _request_timeout=(10, WATCH_WINDOW_S + 30),
        )
        try:
            for line in iter_resp_lines(response):  # type: ignore[no-untyped-call]
                if not line:
                    continue
                event = json.loads(line)
                kind, obj = event["type"], event["object"]
                if kind == "ERROR":  # typically 410 Gone: start again from a fresh list
                    return self._relist()
                version = obj.get("metadata", {}).get("resourceVersion", version)
                if kind != "BOOKMARK":
                    self._on_event(kind, obj, time.time())
        finally:
            response.release_conn()
        return version
