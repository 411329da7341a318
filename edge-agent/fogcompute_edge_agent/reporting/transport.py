"""HTTP/1.1 to the API server over the standard library: a small pool of keep-alive connections.

Under ``kubeapi.KubeApi``. The agent runs on small edge machines with a memory target of 40 MiB,
and an asyncio HTTP stack costs about 20 MiB of that; ``http.client`` (already loaded with
``ssl``) costs nearly nothing. Each request runs in the default thread pool, so the event loop
never blocks; a pooled connection that the server closed meanwhile is retried once on a fresh
one (every call the agent makes is safe to repeat: apply, create-or-409, evict-or-404, list).
Errors come out as ``OSError``; nothing here knows Kubernetes.
"""

from __future__ import annotations

import asyncio
import http.client
import ssl
import threading
from collections.abc import Mapping
from urllib.parse import urlsplit

__all__ = ["HttpPool"]


class HttpPool:
    def __init__(
        self, server: str, *, context: ssl.SSLContext, timeout: float, size: int = 8
    ) -> None:
        url = urlsplit(server)
        if url.scheme != "https" or not url.hostname:
            raise ValueError(f"the API server URL must be https://host[:port], got {server!r}")
        self._host, self._port = url.hostname, url.port or 443
        self._context, self._timeout, self._size = context, timeout, size
        self._idle: list[http.client.HTTPSConnection] = []
        self._lock = threading.Lock()

    async def request(
        self, method: str, path: str, *, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, bytes]:
        return await asyncio.to_thread(self._request, method, path, body, dict(headers))

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        conn, reused = self._take()
        try:
            return self._send(conn, method, path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            if not reused:
                raise _as_oserror(exc) from exc
        fresh, _ = self._new(), False
        try:
            return self._send(fresh, method, path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            fresh.close()
            raise _as_oserror(exc) from exc

    def _send(
        self,
        conn: http.client.HTTPSConnection,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> tuple[int, bytes]:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.will_close:
            conn.close()
        else:
            self._give(conn)
        return resp.status, data

    def _take(self) -> tuple[http.client.HTTPSConnection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._new(), False

    def _new(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            self._host, self._port, timeout=self._timeout, context=self._context
        )

    def _give(self, conn: http.client.HTTPSConnection) -> None:
        with self._lock:
            if len(self._idle) < self._size:
                self._idle.append(conn)
                return
        conn.close()


def _as_oserror(exc: Exception) -> OSError:
    return exc if isinstance(exc, OSError) else ConnectionError(f"{type(exc).__name__}: {exc}")
