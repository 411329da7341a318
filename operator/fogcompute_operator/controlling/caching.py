"""Informers: one cache per resource kind, fed by watch events, with an owner index.

The runtime keeps one ``Informer`` per kind the controllers read (``Informers``). kopf's watch
events hand over the bodies they already carry (``observe``, no extra API call); the
controllers' own writes go in too (``put``: the object a create or a status patch returned),
and so does a live list made at startup (``prime``) or when an absence must not be trusted
(``replace_owned``). Controllers reconcile from here instead of reading the API server on
every event; their writes stay guarded by resourceVersion, so a stale entry costs a conflict
and a refresh, never a lost update. Subscribers (the controllers' watch mappings) hear of every
change; an echo of a version already held is no change. Bodies are stored as given and never
changed: callers treat them as read-only.

A watch stream delivers one object's versions in order, but the write-through can run ahead of
it: a status write returns version N+1 while the event of version N is still on its way.
``_newer`` keeps the newer of two versions when both resourceVersions are integers (etcd
revisions, which is what every API server stores in practice), and otherwise takes the last
one seen; a wrong guess costs one conflict, never a lost update.

Owner index: with ``owner_kind`` set, each object is also filed under the key of the object of
that kind holding its controller owner reference (a pod under its FogJob).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fogcompute_operator.kube import Body, ObjectKey, Resource, controller_owner, key_of

DELETED = "DELETED"
Listener = Callable[[Body, bool], None]
"""Told of every change: the body, and whether the object was deleted."""


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


@dataclass(frozen=True)
class InformerSpec:
    """What to cache: a kind, a server-side label selector, and the owner kind to index by."""

    resource: Resource
    label_selector: str = ""
    owner_kind: str | None = None


class Informer:
    """Bodies of one kind by key, plus the owner index."""

    def __init__(self, spec: InformerSpec) -> None:
        self.spec = spec
        self._items: dict[ObjectKey, Body] = {}
        self._owned: dict[ObjectKey, dict[ObjectKey, Body]] = {}
        self._listeners: list[Listener] = []
        self.primed = False

    @property
    def resource(self) -> Resource:
        return self.spec.resource

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: ObjectKey) -> Body | None:
        return self._items.get(key)

    def items(self) -> list[Body]:
        return list(self._items.values())

    def owned(self, owner: ObjectKey) -> list[Body]:
        """The objects whose controller is ``owner`` (an object of ``spec.owner_kind``)."""
        return list(self._owned.get(owner, {}).values())

    def owner_of(self, body: Mapping[str, Any]) -> ObjectKey | None:
        kind = self.spec.owner_kind
        return None if kind is None else controller_owner(body, kind=kind)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def observe(self, event_type: str | None, body: Body) -> None:
        """A watch event: cache the body (or forget it), and tell subscribers if it is news."""
        if event_type == DELETED:
            self.forget(key_of(body))
        elif not self.put(body):
            return
        for listener in self._listeners:
            listener(body, event_type == DELETED)

    def put(self, body: Body) -> bool:
        """Store ``body`` unless the same or a newer version is held; True if stored."""
        key = key_of(body)
        old = self._items.get(key)
        if _same(old, body) or not _newer(old, body):
            return False
        self._items[key] = body
        owner = self.owner_of(body)
        if owner is not None:
            self._owned.setdefault(owner, {})[key] = body
        return True

    def forget(self, key: ObjectKey) -> None:
        """The object is gone (objects it owns stay until their own deletions arrive)."""
        old = self._items.pop(key, None)
        owner = None if old is None else self.owner_of(old)
        held = None if owner is None else self._owned.get(owner)
        if owner is not None and held is not None:
            held.pop(key, None)
            if not held:
                del self._owned[owner]

    def replace_owned(self, owner: ObjectKey, bodies: Iterable[Body]) -> None:
        """A live list of ``owner``'s objects: what it does not name is gone."""
        fresh = {key_of(b): b for b in bodies if self.owner_of(b) == owner}
        for key in [k for k in self._owned.get(owner, {}) if k not in fresh]:
            self.forget(key)
        for body in fresh.values():
            self.put(body)

    def prime(self, bodies: Iterable[Body]) -> None:
        """The startup list: every body, as if each had arrived by watch (no subscriber told)."""
        for body in bodies:
            self.put(body)
        self.primed = True


class Informers:
    """The runtime's informers by resource; a kind is registered once, by whoever needs it."""

    def __init__(self) -> None:
        self._by_resource: dict[Resource, Informer] = {}

    def register(self, spec: InformerSpec) -> Informer:
        """The informer of ``spec.resource``, created on first registration; a second
        registration must ask for the same selector and owner index."""
        held = self._by_resource.get(spec.resource)
        if held is None:
            held = self._by_resource[spec.resource] = Informer(spec)
        elif held.spec != spec:
            raise ValueError(f"{spec.resource} is cached as {held.spec}, not as {spec}")
        return held

    def __getitem__(self, resource: Resource) -> Informer:
        return self._by_resource[resource]

    def get(self, resource: Resource) -> Informer | None:
        return self._by_resource.get(resource)

    def all(self) -> list[Informer]:
        return list(self._by_resource.values())
