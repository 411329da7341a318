"""Writing an object's status: a JSON merge patch of ``status``, only when it changed, guarded.

Every controller writes status through the runtime's one ``StatusWriter`` (step 4 of a
reconcile: write status once). The patch is computed against the status the controller read
(``merge_patch``: changed keys, and ``null`` for keys that went away, so the stored status ends
up equal to the one decided, as a PUT would leave it) and carries ``metadata.resourceVersion``
as a precondition (``guarding.write_guarded``). An unchanged status writes nothing. A conflict
(the object moved on, or is gone) refreshes the informer with one GET and re-raises, so the
worker requeues the key and the next reconcile decides on fresh data; the written object goes
into the informer at once, so the watch's echo of our own write queues nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fogcompute_operator.controlling.caching import Informers
from fogcompute_operator.controlling.guarding import write_guarded
from fogcompute_operator.kube import Body, KubeApi, Resource


def merge_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The RFC 7386 merge patch that turns ``old`` into ``new`` (empty when they are equal)."""
    patch: dict[str, Any] = {key: None for key in old if key not in new}
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            nested = merge_patch(before, value)
            if nested:
                patch[key] = nested
        elif key not in old or before != value:
            patch[key] = value
    return patch


class StatusWriter:
    def __init__(self, *, api: KubeApi, informers: Informers) -> None:
        self._api = api
        self._informers = informers

    async def write(self, resource: Resource, body: Body, status: Mapping[str, Any]) -> Body | None:
        """Make ``body``'s stored status equal ``status``; the stored object, or None when
        there was nothing to write. Raises ``ConflictError`` after refreshing the informer."""
        patch = merge_patch(body.get("status") or {}, status)
        if not patch:
            return None
        return await write_guarded(
            lambda key, version: self._api.patch_status(
                resource, key, patch=patch, resource_version=version
            ),
            api=self._api,
            informers=self._informers,
            resource=resource,
            body=body,
        )
