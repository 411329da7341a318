"""MixNode reports written as a hosting agent writes them: a status merge patch, repeated.

``ReportingMixnodes`` patches, for each MixNode it serves, ``status`` (address, identity key,
public keys for the current and the next two epochs, health, ``lastHeartbeat``, and a
reliability standing in for the monitor's) through the status subresource with the admin
kubeconfig, from one thread, every ``interval`` seconds until ``stop``. ``set_health`` makes
one node report its mixnode down; ``silence`` stops one node's reports.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from datetime import UTC, datetime
from typing import Any

from kubernetes import client, config


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fake_key(name: str, purpose: str) -> str:
    return hashlib.sha256(f"{purpose}:{name}".encode()).hexdigest()


class ReportingMixnodes:
    def __init__(
        self, kubeconfig: str, names: list[str], *, epoch_seconds: float, interval: float = 1.0
    ) -> None:
        api_client = config.new_client_from_config(config_file=kubeconfig)  # type: ignore[no-untyped-call]
        self._api = client.CustomObjectsApi(api_client)
        self._names = list(names)
        self._epoch_seconds = epoch_seconds
        self._interval = interval
        self._health = dict.fromkeys(names, "Serving")
        self._silent: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reports = 0

    def set_health(self, name: str, health: str) -> None:
        with self._lock:
            self._health[name] = health

    def silence(self, name: str) -> None:
        with self._lock:
            self._silent.add(name)

    def status_of(self, name: str) -> dict[str, Any]:
        epoch = math.floor(time.time() / self._epoch_seconds)
        with self._lock:
            health = self._health[name]
        index = self._names.index(name)
        return {
            "address": f"127.0.0.1:{41000 + index}",
            "identityKey": fake_key(name, "identity"),
            "epoch": epoch,
            "keys": [
                {"epoch": e, "publicKey": fake_key(f"{name}/{e}", "x25519")}
                for e in (epoch, epoch + 1, epoch + 2)
            ],
            "workers": 1,
            "health": health,
            "reliability": 0.99,
            "lastHeartbeat": now_stamp(),
        }

    def report(self) -> None:
        for name in self._names:
            with self._lock:
                if name in self._silent:
                    continue
            self._api.patch_cluster_custom_object_status(
                "fogcompute.io",
                "v1alpha1",
                "mixnodes",
                name,
                {"status": self.status_of(name)},
                _content_type="application/merge-patch+json",
            )
        self.reports += 1

    def start(self) -> None:
        self.report()
        self._thread = threading.Thread(target=self._run, name="mixnode-agents", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.report()
            except client.ApiException:
                continue  # a MixNode deleted under us: the next round goes on

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
