"""The calls the operator makes to the API server, as one Protocol keyed by resource kind.

Implemented by ``client.KubernetesApi`` and by the unit tests' fake. Objects travel as plain
JSON dicts (``Body``). "Not found" and "already exists" are ordinary outcomes of idempotent
steps and come back as None/False; a guarded write against a stale resourceVersion (or an
object gone meanwhile) raises ``ConflictError`` so the caller refreshes and requeues instead
of overwriting. No kopf here.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any, Protocol

from fogcompute_operator.kube.resources import Body, ObjectKey, Resource


class ConflictError(Exception):
    """The object changed (409) or vanished (404) since it was read, on a guarded write."""


class KubeApi(Protocol):
    async def get(self, resource: Resource, key: ObjectKey) -> Body | None:
        """The object, or None when it does not exist."""

    async def list(
        self,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
    ) -> builtins.list[Body]:
        """Objects of one namespace (or of all, or of a cluster-scoped kind)."""

    async def create(self, resource: Resource, body: Body) -> Body | None:
        """Create and return the object as stored; None when one of that name exists."""

    async def delete(self, resource: Resource, key: ObjectKey) -> None:
        """Delete the object; one already gone is fine."""

    async def patch(self, resource: Resource, key: ObjectKey, *, patch: Mapping[str, Any]) -> Body:
        """JSON merge patch of the object itself (not its status); returns it as stored.
        ``ConflictError`` when it is gone (or a ``metadata.resourceVersion`` in ``patch``
        no longer holds)."""

    async def patch_status(
        self, resource: Resource, key: ObjectKey, *, patch: Mapping[str, Any], resource_version: str
    ) -> Body:
        """JSON merge patch of ``status``, refused (``ConflictError``) unless the object is
        still at ``resource_version``; returns the object as stored."""

    async def evict(self, key: ObjectKey) -> bool:
        """Evict a pod through the Eviction API (policy/v1); False when it is already gone."""

    async def create_event(self, body: Body) -> None:
        """Post a core/v1 Event (in its ``metadata.namespace``)."""

    async def listable(self, resource: Resource) -> bool:
        """Whether the kind can be listed yet (a new CRD's storage answers 429/503 a moment)."""
