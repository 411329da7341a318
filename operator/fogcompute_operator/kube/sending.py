"""The hot writes (create, status patch, Event) as raw JSON over aiohttp, on the event loop.

Used by ``client.KubernetesApi`` for the calls a thousand FogJobs make thousands of times; the
rest stay on the ``kubernetes`` client. Profiling the operator at 1,000 FogJobs showed most of
its time per call outside the request itself: the client's ``sanitize_for_serialization``
walk of every body, urllib3's request machinery, and a thread-pool hop (a worker thread, then
``call_soon_threadsafe`` back to the loop) per call. Here a body is encoded once with
``json.dumps`` and sent on aiohttp's pooled connections from the loop that awaits it.

Connection settings (server, CA, client certificate, bearer token) come from the same
``kubernetes.client.Configuration`` the client uses, so in-cluster and kubeconfig logins
behave alike; the token is read per request through the configuration (its refresh hook
runs as it does for the client). A non-2xx answer raises ``kubernetes.client.ApiException``
with the status, as the client would, so callers handle both paths the same way.
"""

from __future__ import annotations

import json
import ssl
from typing import Any

import aiohttp
import kubernetes

from fogcompute_operator.kube.resources import Body

JSON = "application/json"


def _ssl_context(configuration: kubernetes.client.Configuration) -> ssl.SSLContext | bool:
    if not configuration.host.startswith("https"):
        return False
    if not configuration.verify_ssl:
        return False
    context = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
    if configuration.cert_file:
        context.load_cert_chain(configuration.cert_file, configuration.key_file)
    return context


class Sender:
    """One aiohttp session (created on first use, inside the running loop) for raw writes."""

    def __init__(
        self, configuration: kubernetes.client.Configuration, *, pool: int, timeout: float
    ) -> None:
        self._configuration = configuration
        self._host = configuration.host.rstrip("/")
        self._ssl = _ssl_context(configuration)
        self._pool = pool
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _headers(self, content_type: str) -> dict[str, str]:
        headers = {"Accept": JSON, "Content-Type": content_type}
        auth = self._configuration.auth_settings().get("BearerToken")
        token = auth.get("value") if auth else None
        if auth and token:
            headers[str(auth["key"])] = str(token)
        return headers

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool, ssl=self._ssl)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def send(
        self, method: str, path: str, body: Any, *, content_type: str = JSON, read: bool = True
    ) -> Body | None:
        """One request; the answer's JSON (None when ``read`` is False) for a 2xx answer,
        else ``ApiException`` carrying the status and the server's message."""
        data = json.dumps(body, separators=(",", ":")).encode()
        async with self._open().request(
            method, self._host + path, data=data, headers=self._headers(content_type)
        ) as response:
            raw = await response.read()
            if not 200 <= response.status <= 299:
                error = kubernetes.client.ApiException(
                    status=response.status, reason=response.reason
                )
                error.body = raw.decode(errors="replace")
                raise error
            if not read:
                return None
            answer: Body = json.loads(raw)
            return answer

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
