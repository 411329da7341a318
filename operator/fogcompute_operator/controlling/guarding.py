"""Writes guarded by ``metadata.resourceVersion``, and what a conflict does to the cache.

Kind-agnostic, under ``statuses`` (the status merge patch) and ``finalizing`` (the
``metadata.finalizers`` merge patch): both send a patch that holds only while the object is
still at the version the controller read. ``write_guarded`` sends one such write (the caller
says how, given the key and the version) and keeps the informer right either way: on a
conflict (the object moved on, or is gone) it refreshes the informer with one GET and
re-raises ``ConflictError``, so the worker requeues the key and the next reconcile decides on
fresh data; on success the stored object goes into the informer at once, so the watch's echo
of our own write queues nothing. It never retries by itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fogcompute_operator.controlling.caching import Informers
from fogcompute_operator.kube import Body, ConflictError, KubeApi, ObjectKey, Resource, key_of

GuardedWrite = Callable[[ObjectKey, str], Awaitable[Body]]
"""Sends the write for ``(key, resource_version)`` and returns the object as stored."""


def resource_version(body: Mapping[str, Any]) -> str:
    """``body``'s ``metadata.resourceVersion`` ("" when it has none)."""
    return str((body.get("metadata") or {}).get("resourceVersion") or "")


async def write_guarded(
    write: GuardedWrite, *, api: KubeApi, informers: Informers, resource: Resource, body: Body
) -> Body:
    """``write`` for ``body`` at its resourceVersion; the stored object (see the docstring)."""
    key = key_of(body)
    informer = informers.get(resource)
    try:
        written = await write(key, resource_version(body))
    except ConflictError:
        fresh = await api.get(resource, key)
        if informer is not None:
            if fresh is None:
                informer.forget(key)
            else:
                informer.put(fresh)
        raise
    if informer is not None:
        informer.put(written)
    return written
