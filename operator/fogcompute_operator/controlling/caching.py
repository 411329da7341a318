"""The FogJob controller's informer: FogJobs and their pods as the watch streams last showed them.

Fed by the FogJob handlers with the bodies kopf's watch events already carry (no extra API
call), by the controller's own writes (the object a create or a status write returned), and by
the one live list the controller makes at startup and when it must not trust an absence. The
controller reconciles from here instead of reading the API server on every event; status
writes stay guarded by resourceVersion, so a stale entry only costs a 409 and a refresh.

Pods are indexed by their job's key (``namespace/name`` of the controlling FogJob owner
reference). Bodies are stored as given and never changed: callers treat them as read-only.

A watch stream delivers one object's versions in order, but our own write-through can run
ahead of it: a status write returns version N+1 while the event of version N is still on its
way. ``_newer`` keeps the newer of two versions when both resourceVersions are integers (etcd
revisions, which is what every API server stores in practice), and otherwise takes the last
one seen; a wrong guess costs one conflict, never a lost update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fogcompute_api.meta import KIND_FOGJOB

from fogcompute_operator.kubeapi import Obj
from fogcompute_operator.queueing.converting import job_key


def _version(body: Mapping[str, Any]) -> int | None:
    raw = str((body.get("metadata") or {}).get("resourceVersion") or "")
    return int(raw) if raw.isdigit() else None


def _newer(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """Whether ``new`` should replace ``old`` (see the module docstring)."""
    if old is None:
        return True
    before, after = _version(old), _version(new)
    return before is None or after is None or after >= before


def _same(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """Whether ``new`` is the version already held (an echo of our own write)."""
    return old is not None and _version(old) is not None and _version(old) == _version(new)


def _key(body: Mapping[str, Any]) -> str:
    metadata = body.get("metadata") or {}
    return job_key(metadata.get("namespace") or "", metadata.get("name") or "")


def owner_key(pod: Mapping[str, Any]) -> str | None:
    """The key of the FogJob controlling ``pod``, or None when no FogJob controls it."""
    metadata = pod.get("metadata") or {}
    for ref in metadata.get("ownerReferences") or ():
        if ref.get("kind") == KIND_FOGJOB and ref.get("controller"):
            return job_key(metadata.get("namespace") or "", ref.get("name") or "")
    return None


class ObjectCache:
    """FogJob bodies by key, and pod bodies by their job's key then pod name."""

    def __init__(self) -> None:
        self._jobs: dict[str, Obj] = {}
        self._pods: dict[str, dict[str, Obj]] = {}

    def __len__(self) -> int:
        return len(self._jobs)

    def job(self, key: str) -> Obj | None:
        return self._jobs.get(key)

    def pods(self, key: str) -> list[Obj]:
        return list(self._pods.get(key, {}).values())

    @staticmethod
    def job_key(body: Mapping[str, Any]) -> str:
        return _key(body)

    def put_job(self, body: Obj) -> bool:
        """Store a FogJob body unless the same or a newer version is held; True if stored."""
        key = _key(body)
        old = self._jobs.get(key)
        if _same(old, body) or not _newer(old, body):
            return False
        self._jobs[key] = body
        return True

    def forget_job(self, key: str) -> None:
        """The FogJob is gone; its pods stay until their own deletions arrive (GC)."""
        self._jobs.pop(key, None)

    def put_pod(self, body: Obj) -> str | None:
        """Store a pod under its FogJob's key; that key when stored, None when the pod has no
        FogJob or the same or a newer version of it is held."""
        key = owner_key(body)
        if key is None:
            return None
        name = (body.get("metadata") or {}).get("name") or ""
        held = self._pods.setdefault(key, {})
        old = held.get(name)
        if _same(old, body) or not _newer(old, body):
            return None
        held[name] = body
        return key

    def forget_pod(self, body: Obj) -> str | None:
        key = owner_key(body)
        if key is None:
            return None
        held = self._pods.get(key)
        if held is not None:
            held.pop((body.get("metadata") or {}).get("name") or "", None)
            if not held:
                del self._pods[key]
        return key

    def replace_pods(self, key: str, bodies: Iterable[Obj]) -> None:
        """A live list of ``key``'s pods: what it does not name is gone."""
        fresh: dict[str, Obj] = {}
        held = self._pods.get(key, {})
        for body in bodies:
            if owner_key(body) != key:
                continue
            name = (body.get("metadata") or {}).get("name") or ""
            old = held.get(name)
            fresh[name] = old if old is not None and not _newer(old, body) else body
        if fresh:
            self._pods[key] = fresh
        else:
            self._pods.pop(key, None)
