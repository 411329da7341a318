"""The hosted mixnode's seam to the Kubernetes API, over the agent's own ``KubeApi``.

``MixApi`` is what the host loop depends on (tests use a fake): list the MixNodes
(the one placed on this node, ``placed_on``, and the others to measure), server-side apply its
status with the mixnode's own field manager (``fog-edge-agent-mixnode``: it owns only
the fields it writes; the operator's conditions and layer stay the operator's),
and read the operator's signed directory ConfigMap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Protocol
from urllib.parse import quote, urlencode

from fogcompute_api.meta import API_VERSION, GROUP, KIND_MIXNODE, PLURAL_MIXNODES, VERSION

from fogcompute_edge_agent.reporting import KubeApi
from fogcompute_edge_agent.reporting.kubeapi import ApiError

FIELD_MANAGER: Final = "fog-edge-agent-mixnode"
_MIXNODES = f"/apis/{GROUP}/{VERSION}/{PLURAL_MIXNODES}"


def placed_on(mixnodes: list[dict[str, Any]], *, node: str) -> dict[str, Any] | None:
    """The MixNode whose ``spec.nodeName`` is ``node`` (the first by name), or None."""
    mine = [m for m in mixnodes if (m.get("spec") or {}).get("nodeName") == node]
    mine.sort(key=lambda m: str((m.get("metadata") or {}).get("name")))
    return mine[0] if mine else None


class MixApi(Protocol):
    async def mixnodes(self) -> list[dict[str, Any]]: ...

    async def apply_mixnode_status(self, *, name: str, status: Mapping[str, Any]) -> None: ...

    async def directory_data(self) -> dict[str, str]: ...


class KubeMixApi(KubeApi):
    """``MixApi`` on the agent's connection pool and credentials."""

    async def mixnodes(self) -> list[dict[str, Any]]:
        code, payload = await self._call("GET", _MIXNODES)
        if code != 200 or not isinstance(payload, dict):
            raise self._fail(code, payload)
        return list(payload.get("items") or [])

    async def apply_mixnode_status(self, *, name: str, status: Mapping[str, Any]) -> None:
        body = {
            "apiVersion": API_VERSION,
            "kind": KIND_MIXNODE,
            "metadata": {"name": name},
            "status": dict(status),
        }
        query = urlencode({"fieldManager": FIELD_MANAGER, "force": "true"})
        code, payload = await self._call(
            "PATCH",
            f"{_MIXNODES}/{quote(name)}/status?{query}",
            body=body,
            content_type="application/apply-patch+yaml",
        )
        if code != 200:
            raise self._fail(code, payload)

    async def directory_data(self) -> dict[str, str]:
        # Imported here: the routing package loads the Sphinx layer, needed only when hosting.
        from fogcompute_mixnode.routing import DIRECTORY_CONFIGMAP, DIRECTORY_NAMESPACE

        path = f"/api/v1/namespaces/{DIRECTORY_NAMESPACE}/configmaps/{DIRECTORY_CONFIGMAP}"
        code, payload = await self._call("GET", path)
        if code == 404:
            return {}
        if code != 200 or not isinstance(payload, dict):
            raise self._fail(code, payload)
        return {str(k): str(v) for k, v in (payload.get("data") or {}).items()}


__all__ = ["FIELD_MANAGER", "ApiError", "KubeMixApi", "MixApi", "placed_on"]
