"""The calls the FogJob services make, as a Protocol; objects travel as plain JSON dicts.

Implemented by ``syncclient.KubernetesApi`` and by the unit tests' fake. Methods return None
(or False) for "not found / already exists" instead of raising, because the services treat
those as ordinary outcomes of idempotent steps; a status write against a stale
resourceVersion raises ``ConflictError`` so the caller requeues instead of overwriting.
"""

from __future__ import annotations

from typing import Any, Protocol

Obj = dict[str, Any]


class ConflictError(Exception):
    """The object changed since it was read (HTTP 409 on a guarded write)."""


class KubeApi(Protocol):
    async def get_fogjob(self, namespace: str, name: str) -> Obj | None:
        """The FogJob, or None when it does not exist."""

    async def replace_fogjob_status(self, body: Obj) -> Obj:
        """PUT ``body`` to the status subresource; its resourceVersion guards the write."""

    async def list_pods(self, namespace: str, *, label_selector: str) -> list[Obj]:
        """Pods of one namespace matching a label selector."""

    async def list_labelled_pods(self, label_selector: str) -> list[Obj]:
        """Pods in every namespace matching a label selector."""

    async def list_active_pods(self) -> list[Obj]:
        """Pods in every namespace that are not Succeeded or Failed (they hold resources)."""

    async def create_pod(self, namespace: str, body: Obj) -> Obj | None:
        """Create the pod and return it as stored; None when one of that name already exists."""

    async def delete_pod(self, namespace: str, name: str) -> None:
        """Delete the pod; a pod already gone is fine."""

    async def list_nodes(self) -> list[Obj]:
        """Every Node."""

    async def list_edgedevices(self) -> list[Obj]:
        """Every EdgeDevice (an empty list when the CRD is missing)."""

    async def create_event(self, namespace: str, body: Obj) -> None:
        """Post a core/v1 Event."""
