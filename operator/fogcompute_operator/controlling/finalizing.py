"""Finalizers: an object kept until its controller has given back what it holds elsewhere.

Kind-agnostic, beside ``statuses``. A kind that holds something outside the API server on an
object's behalf (tokens in the ledger behind a Stake, a deposit behind a Proposal) keeps its own
finalizer on the object for as long as it holds anything, the way the PV/PVC protection
controllers do: a deletion then only sets ``deletionTimestamp``, the controller gives back what
it holds, and removes its finalizer last, which lets the API server delete the object.

``finalizer_step`` (pure) says what to do: add the finalizer when the kind is about to hold
something (before it acts, so a crash between the two leaves a finalizer and nothing held, never
the reverse) and the object is not being deleted (the API server refuses a new finalizer then);
remove it when nothing is held any more; otherwise leave it.

``Finalizers.hold`` (before acting) and ``release`` (last) apply that decision through
``Finalizers.add`` and ``remove``, which send ``metadata.finalizers`` as a JSON merge patch
guarded by ``metadata.resourceVersion`` (``guarding.write_guarded``): a merge patch replaces
the whole list, so without the guard a concurrent change of the list (another controller's
finalizer) would be lost, and an add racing a deletion could land on an object that is already
going. On a conflict (the object moved on, or is gone) the informer is refreshed with one GET
and ``ConflictError`` re-raised, so the worker requeues the key and the next reconcile decides
on fresh data. The object written goes into the informer, except one the removal let go (being
deleted, no finalizers left): that one is forgotten at once, since its DELETED event may
already have been seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from fogcompute_operator.controlling.caching import Informers
from fogcompute_operator.controlling.guarding import write_guarded
from fogcompute_operator.kube import Body, KubeApi, ObjectKey, Resource, key_of

FinalizerStep = Literal["add", "remove"]


def finalizer_step(*, present: bool, holds: bool, deleting: bool) -> FinalizerStep | None:
    """The finalizer change an object needs: ``holds`` is whether the kind holds (or is about
    to hold) anything for it, ``deleting`` whether its ``deletionTimestamp`` is set."""
    if holds and not present and not deleting:
        return "add"
    if present and not holds:
        return "remove"
    return None


def finalizers_of(body: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple((body.get("metadata") or {}).get("finalizers") or ())


def is_deleting(body: Mapping[str, Any]) -> bool:
    return bool((body.get("metadata") or {}).get("deletionTimestamp"))


class Finalizers:
    """Adds and removes one controller's finalizer, guarded (see the module docstring)."""

    def __init__(self, *, api: KubeApi, informers: Informers) -> None:
        self._api = api
        self._informers = informers

    async def add(self, resource: Resource, body: Body, finalizer: str) -> Body:
        """``body`` with ``finalizer`` (as stored; unchanged if it is there already)."""
        held = finalizers_of(body)
        if finalizer in held:
            return body
        written = await self._send(resource, body, [*held, finalizer])
        assert written is not None  # an add never lets the object go
        return written

    async def remove(self, resource: Resource, body: Body, finalizer: str) -> Body | None:
        """``body`` without ``finalizer`` as stored, or None when that let the object go."""
        held = finalizers_of(body)
        if finalizer not in held:
            return body
        return await self._send(resource, body, [f for f in held if f != finalizer])

    async def hold(
        self, resource: Resource, body: Body, finalizer: str, *, holds: bool, deleting: bool
    ) -> Body:
        """Before acting: ``finalizer`` added when ``finalizer_step`` says so (the kind is
        about to hold something, the object is not being deleted); ``body`` as stored."""
        step = finalizer_step(
            present=finalizer in finalizers_of(body), holds=holds, deleting=deleting
        )
        return await self.add(resource, body, finalizer) if step == "add" else body

    async def release(
        self, resource: Resource, body: Body, finalizer: str, *, holds: bool, deleting: bool
    ) -> bool:
        """Last: ``finalizer`` removed when nothing is held any more; whether it was."""
        step = finalizer_step(
            present=finalizer in finalizers_of(body), holds=holds, deleting=deleting
        )
        if step != "remove":
            return False
        await self.remove(resource, body, finalizer)
        return True

    async def _send(self, resource: Resource, body: Body, finalizers: list[str]) -> Body | None:
        async def write(key: ObjectKey, version: str) -> Body:
            patch = {"metadata": {"finalizers": finalizers or None, "resourceVersion": version}}
            return await self._api.patch(resource, key, patch=patch)

        written = await write_guarded(
            write, api=self._api, informers=self._informers, resource=resource, body=body
        )
        if is_deleting(written) and not finalizers_of(written):
            informer = self._informers.get(resource)
            if informer is not None:
                informer.forget(key_of(written))
            return None
        return written
