"""An in-memory ``KubeApi`` for the FogJob controller's unit tests: objects, versions, calls.

Named fogjob_fakes (not fakes): test directories have no __init__.py and share one module
namespace. It keeps FogJobs and pods as dicts, bumps one resourceVersion counter on every
write as the API server does, refuses a status write carrying a stale resourceVersion
(``ConflictError``), and records every call by name so tests can assert what was read.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from fogcompute_operator.kubeapi import ConflictError, Obj


class FakeKubeApi:
    def __init__(self) -> None:
        self.jobs: dict[str, Obj] = {}
        self.pods: dict[str, Obj] = {}
        self.events: list[Obj] = []
        self.calls: Counter[str] = Counter()
        self._version = 100

    def _bump(self, body: Obj) -> Obj:
        self._version += 1
        body["metadata"]["resourceVersion"] = str(self._version)
        return body

    def store_job(self, body: Obj) -> Obj:
        """Create or replace a FogJob as a user would; returns what the server holds."""
        stored = self._bump(copy.deepcopy(body))
        self.jobs[_key(stored)] = stored
        return copy.deepcopy(stored)

    def store_pod(self, body: Obj) -> Obj:
        stored = self._bump(copy.deepcopy(body))
        self.pods[_key(stored)] = stored
        return copy.deepcopy(stored)

    async def get_fogjob(self, namespace: str, name: str) -> Obj | None:
        self.calls["get_fogjob"] += 1
        found = self.jobs.get(f"{namespace}/{name}")
        return copy.deepcopy(found) if found is not None else None

    async def replace_fogjob_status(self, body: Obj) -> Obj:
        self.calls["replace_fogjob_status"] += 1
        held = self.jobs.get(_key(body))
        if held is None:
            raise ConflictError("404 Not Found")
        if held["metadata"]["resourceVersion"] != body["metadata"].get("resourceVersion"):
            raise ConflictError("409 Conflict")
        held["status"] = copy.deepcopy(body["status"])
        return copy.deepcopy(self._bump(held))

    async def list_pods(self, namespace: str, *, label_selector: str) -> list[Obj]:
        self.calls["list_pods"] += 1
        key, _, value = label_selector.partition("=")
        return [
            copy.deepcopy(p)
            for p in self.pods.values()
            if p["metadata"]["namespace"] == namespace
            and p["metadata"].get("labels", {}).get(key) == value
        ]

    async def list_labelled_pods(self, label_selector: str) -> list[Obj]:
        self.calls["list_labelled_pods"] += 1
        return [
            copy.deepcopy(p)
            for p in self.pods.values()
            if label_selector in p["metadata"].get("labels", {})
        ]

    async def list_active_pods(self) -> list[Obj]:
        self.calls["list_active_pods"] += 1
        return [copy.deepcopy(p) for p in self.pods.values()]

    async def create_pod(self, namespace: str, body: Obj) -> Obj | None:
        self.calls["create_pod"] += 1
        key = f"{namespace}/{body['metadata']['name']}"
        if key in self.pods:
            return None
        return self.store_pod(body)

    async def delete_pod(self, namespace: str, name: str) -> None:
        self.calls["delete_pod"] += 1
        self.pods.pop(f"{namespace}/{name}", None)

    async def list_nodes(self) -> list[Obj]:
        self.calls["list_nodes"] += 1
        return []

    async def list_edgedevices(self) -> list[Obj]:
        self.calls["list_edgedevices"] += 1
        return []

    async def create_event(self, namespace: str, body: Obj) -> None:
        self.calls["create_event"] += 1
        self.events.append(body)


def _key(body: dict[str, Any]) -> str:
    return f"{body['metadata']['namespace']}/{body['metadata']['name']}"
