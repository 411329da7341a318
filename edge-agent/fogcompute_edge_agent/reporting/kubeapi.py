"""The agent's narrow seam to the Kubernetes API, and its implementation over ``transport``.

Used by the reporter (EdgeDevice create and status apply) and the revoker (list this node's
harvest pods, evict them). ``DeviceApi`` is the Protocol the rest of the agent depends on; tests
of logic use a fake, the integration tests the real ``KubeApi`` against the real API server.
Status goes out by server-side apply with the agent's own field manager, so it owns only the
fields it writes and never fights the operator's conditions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final, Protocol
from urllib.parse import quote, urlencode

from fogcompute_api.meta import API_VERSION, GROUP, KIND_EDGEDEVICE, PLURAL_EDGEDEVICES, VERSION

from fogcompute_edge_agent.reporting.credentials import Credentials
from fogcompute_edge_agent.reporting.transport import HttpPool

__all__ = ["FIELD_MANAGER", "ApiError", "DeviceApi", "KubeApi"]

FIELD_MANAGER: Final = "fog-edge-agent"
_DEVICES = f"/apis/{GROUP}/{VERSION}/{PLURAL_EDGEDEVICES}"


class ApiError(Exception):
    """A non-success answer of the API server."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class DeviceApi(Protocol):
    """What the agent needs from the API server."""

    async def create_device(self, *, name: str) -> None: ...

    async def apply_device_status(
        self, *, name: str, status: Mapping[str, Any]
    ) -> dict[str, Any]: ...

    async def list_pods(self, *, node: str, label_selector: str) -> list[dict[str, Any]]: ...

    async def evict(self, *, namespace: str, name: str) -> int: ...


class KubeApi:
    """``DeviceApi`` over a pool of keep-alive connections (``transport.HttpPool``)."""

    def __init__(self, credentials: Credentials, *, timeout: float = 10.0, pool: int = 8) -> None:
        self._creds = credentials
        self._pool = HttpPool(
            credentials.server, context=credentials.ssl_context, timeout=timeout, size=pool
        )

    async def close(self) -> None:
        self._pool.close()

    async def _call(
        self, method: str, path: str, *, body: Any = None, content_type: str = "application/json"
    ) -> tuple[int, Any]:
        headers = {"Accept": "application/json", **self._creds.headers()}
        data = None
        if body is not None:
            headers["Content-Type"] = content_type
            data = json.dumps(body).encode()
        status, raw = await self._pool.request(method, path, body=data, headers=headers)
        text = raw.decode("utf-8", errors="replace")
        try:
            payload = json.loads(text) if text.startswith("{") else text
        except ValueError:
            payload = text
        return status, payload

    @staticmethod
    def _fail(status: int, payload: Any) -> ApiError:
        message = payload.get("message", "") if isinstance(payload, dict) else str(payload)[:200]
        return ApiError(status, message)

    async def create_device(self, *, name: str) -> None:
        body = {
            "apiVersion": API_VERSION,
            "kind": KIND_EDGEDEVICE,
            "metadata": {"name": name},
            "spec": {"nodeName": name},
        }
        status, payload = await self._call(
            "POST", f"{_DEVICES}?fieldManager={FIELD_MANAGER}", body=body
        )
        if status not in (200, 201, 409):
            raise self._fail(status, payload)

    async def apply_device_status(self, *, name: str, status: Mapping[str, Any]) -> dict[str, Any]:
        body = {
            "apiVersion": API_VERSION,
            "kind": KIND_EDGEDEVICE,
            "metadata": {"name": name},
            "status": dict(status),
        }
        query = urlencode({"fieldManager": FIELD_MANAGER, "force": "true"})
        code, payload = await self._call(
            "PATCH",
            f"{_DEVICES}/{quote(name)}/status?{query}",
            body=body,
            content_type="application/apply-patch+yaml",
        )
        if code != 200 or not isinstance(payload, dict):
            raise self._fail(code, payload)
        return payload

    async def list_pods(self, *, node: str, label_selector: str) -> list[dict[str, Any]]:
        query = urlencode(
            {"fieldSelector": f"spec.nodeName={node}", "labelSelector": label_selector}
        )
        code, payload = await self._call("GET", f"/api/v1/pods?{query}")
        if code != 200 or not isinstance(payload, dict):
            raise self._fail(code, payload)
        return list(payload.get("items") or [])

    async def evict(self, *, namespace: str, name: str) -> int:
        """POST an Eviction; returns the HTTP status (201 accepted, 404 gone, 429 blocked)."""
        body = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": name, "namespace": namespace},
        }
        path = f"/api/v1/namespaces/{quote(namespace)}/pods/{quote(name)}/eviction"
        code, payload = await self._call("POST", path, body=body)
        if code not in (200, 201, 404, 429):
            raise self._fail(code, payload)
        return code
