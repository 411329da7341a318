"""The hosted mixnode's seam to the Kubernetes API, over the agent's own ``KubeApi``.

``MixApi`` is what the host loop depends on (tests use a fake): find the MixNode placed on
this node, server-side apply its status with the mixnode's own field manager
(``fog-edge-agent-mixnode``: it owns only the fields it writes, the operator's conditions and
layer stay the operator's), and read the operator's signed directory ConfigMap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Protocol
from urllib.parse import quote, urlencode

from fogcompute_api.meta import API_VERSION, GROUP, KIND_MIXNODE, PLURAL_MIXNODES, VERSION
from fogcompute_mixnode.routing import DIRECTORY_CONFIGMAP, DIRECTORY_NAMESPACE

from fogcompute_edge_agent.reporting import KubeApi
from fogcompute_edge_agent.reporting.kubeapi import ApiError

FIELD_MANAGER: Final = "fog-edge-agent-mixnode"
_MIXNODES = f"/apis/{GROUP}/{VERSION}/{PLURAL_MIXNODES}"
_DIRECTORY = f"/api/v1/namespaces/{DIRECTORY_NAMESPACE}/configmaps/{DIRECTORY_CONFIGMAP}"


class MixApi(Protocol):
    async def mixnode_on(self, *, node: str) -> dict[str, Any] | None: ...

    async def apply_mixnode_status(self, *, name: str, status: Mapping[str, Any]) -> None: ...

    async def directory_data(self) -> dict[str, str]: ...


class KubeMixApi(KubeApi):
    """``MixApi`` on the agent's connection pool and credentials."""

    async def mixnode_on(self, *, node: str) -> dict[str, Any] | None:
        code, payload = await self._call("GET", _MIXNODES)
        if code != 200 or not isinstance(payload, dict):
            raise self._fail(code, payload)
        mine = [
            m for m in payload.get("items") or [] if (m.get("spec") or {}).get("nodeName") == node
        ]
        mine.sort(key=lambda m: str((m.get("metadata") or {}).get("name")))
        return mine[0] if mine else None

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
        code, payload = await self._call("GET", _DIRECTORY)
        if code == 404:
            return {}
        if code != 200 or not isinstance(payload, dict):
            raise self._fail(code, payload)
        return {str(k): str(v) for k, v in (payload.get("data") or {}).items()}


__all__ = ["FIELD_MANAGER", "ApiError", "KubeMixApi", "MixApi"]
