"""An in-memory ``KubeApi`` for the operator's unit tests: objects, versions, calls.

Named operator_fakes (not fakes): test directories have no __init__.py and share one module
namespace; ``conftest.py`` beside it puts this folder on the path for the kind folders. It
keeps objects of every kind as dicts by resource and key, bumps one resourceVersion counter on
every write as the API server does, refuses a patch or status patch carrying a stale
resourceVersion (``ConflictError``), completes a deletion when the last finalizer goes,
applies merge patches as RFC 7386 says, and records every call as ``"<verb> <plural>"`` so
tests can assert what was read or written.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping
from typing import Any

from fogcompute_operator.kube import (
    CIRCUITS,
    CONFIGMAPS,
    EDGEDEVICES,
    FOGJOBS,
    MIXNODES,
    NODES,
    PODS,
    SECRETS,
    STAKES,
    Body,
    ConflictError,
    ObjectKey,
    Resource,
    key_of,
)


def _merge(target: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


class FakeKubeApi:
    def __init__(self) -> None:
        self.objects: dict[Resource, dict[ObjectKey, Body]] = {
            r: {}
            for r in (
                FOGJOBS,
                PODS,
                NODES,
                EDGEDEVICES,
                MIXNODES,
                CIRCUITS,
                CONFIGMAPS,
                SECRETS,
                STAKES,
            )
        }
        self.events: list[Body] = []
        self.evicted: list[ObjectKey] = []
        self.calls: Counter[str] = Counter()
        self._version = 100

    @property
    def jobs(self) -> dict[str, Body]:
        """FogJobs by ``namespace/name``."""
        return self.objects[FOGJOBS]  # type: ignore[return-value]

    @property
    def pods(self) -> dict[str, Body]:
        """Pods by ``namespace/name``."""
        return self.objects[PODS]  # type: ignore[return-value]

    def _bump(self, body: Body) -> Body:
        self._version += 1
        body["metadata"]["resourceVersion"] = str(self._version)
        return body

    def store(self, resource: Resource, body: Body) -> Body:
        """Create or replace an object as a user would; returns what the server holds."""
        stored = self._bump(copy.deepcopy(body))
        self.objects[resource][key_of(stored)] = stored
        return copy.deepcopy(stored)

    def store_job(self, body: Body) -> Body:
        return self.store(FOGJOBS, body)

    def store_pod(self, body: Body) -> Body:
        return self.store(PODS, body)

    async def get(self, resource: Resource, key: ObjectKey) -> Body | None:
        self.calls[f"get {resource.plural}"] += 1
        found = self.objects[resource].get(key)
        return copy.deepcopy(found) if found is not None else None

    async def list(
        self,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
    ) -> list[Body]:
        del field_selector
        self.calls[f"list {resource.plural}"] += 1
        label, _, value = label_selector.partition("=")
        found = []
        for body in self.objects[resource].values():
            metadata = body["metadata"]
            labels = metadata.get("labels", {})
            if namespace is not None and metadata.get("namespace") != namespace:
                continue
            if label and (label not in labels or (value and labels[label] != value)):
                continue
            found.append(copy.deepcopy(body))
        return found

    async def create(self, resource: Resource, body: Body) -> Body | None:
        self.calls[f"create {resource.plural}"] += 1
        if key_of(body) in self.objects[resource]:
            return None
        return self.store(resource, body)

    async def delete(self, resource: Resource, key: ObjectKey) -> None:
        self.calls[f"delete {resource.plural}"] += 1
        self.objects[resource].pop(key, None)

    async def patch(self, resource: Resource, key: ObjectKey, *, patch: Mapping[str, Any]) -> Body:
        self.calls[f"patch {resource.plural}"] += 1
        held = self.objects[resource].get(key)
        if held is None:
            raise ConflictError("404 Not Found")
        version = (patch.get("metadata") or {}).get("resourceVersion")
        if version is not None and held["metadata"]["resourceVersion"] != version:
            raise ConflictError("409 Conflict")  # a resourceVersion in the patch is a precondition
        _merge(held, patch)
        written = copy.deepcopy(self._bump(held))
        if held["metadata"].get("deletionTimestamp") and not held["metadata"].get("finalizers"):
            del self.objects[resource][key]  # the last finalizer gone: the deletion completes
        return written

    async def patch_status(
        self, resource: Resource, key: ObjectKey, *, patch: Mapping[str, Any], resource_version: str
    ) -> Body:
        self.calls[f"patch_status {resource.plural}"] += 1
        held = self.objects[resource].get(key)
        if held is None:
            raise ConflictError("404 Not Found")
        if held["metadata"]["resourceVersion"] != resource_version:
            raise ConflictError("409 Conflict")
        held["status"] = _merge(held.get("status") or {}, patch)
        return copy.deepcopy(self._bump(held))

    async def evict(self, key: ObjectKey) -> bool:
        self.calls["evict pods"] += 1
        if self.objects[PODS].pop(key, None) is None:
            return False
        self.evicted.append(key)
        return True

    async def create_event(self, body: Body) -> None:
        self.calls["create events"] += 1
        self.events.append(body)

    async def listable(self, resource: Resource) -> bool:
        del resource
        return True
