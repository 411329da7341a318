"""``KubeApi`` over the synchronous ``kubernetes`` client, each call in a worker thread,
except the hot writes (create, status patch, Event: ``sending``, raw JSON on the loop).

Created once at startup (``controlling.Runtime``) and shared by every controller, the Event
poster and the scheduler. Logs in the way kopf does (in-cluster first, then the kubeconfig).
One generic REST path per verb (``ApiClient.call_api`` on ``Resource.path``), so a new kind
needs no new method. Responses are read as raw JSON (``_preload_content=False``): the callers
want dicts, and skipping the client's model classes is much faster; an answer nobody reads is
drained all the same, so its connection goes back to the pool.

Calls run in a thread pool of our own, as wide as urllib3's connection pool (``POOL_SIZE``):
``asyncio.to_thread`` would share the loop's default executor, only ``cores + 4`` threads
wide, and a thread without a pooled connection opens (and then drops) a new one.
"""

from __future__ import annotations

import asyncio
import builtins
import json
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import kubernetes

from fogcompute_operator.kube.resources import PODS, Body, ObjectKey, Resource, split_key
from fogcompute_operator.kube.seam import ConflictError
from fogcompute_operator.kube.sending import Sender

REQUEST_TIMEOUT = 30.0
POOL_SIZE = 32
JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
T = TypeVar("T")


def _configuration() -> kubernetes.client.Configuration:
    configuration = kubernetes.client.Configuration()
    try:
        kubernetes.config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except kubernetes.config.ConfigException:
        kubernetes.config.load_kube_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    configuration.connection_pool_maxsize = POOL_SIZE
    return configuration


def _json(response: Any) -> Body:
    data: Body = json.loads(response.data)
    return data


def _discard(response: Any) -> None:
    """Read and drop an answer we do not need: an unread response keeps its connection out of
    the pool, and the next request would pay for a new TLS handshake (on both ends)."""
    response.drain_conn()
    response.release_conn()


class KubernetesApi:
    """The real seam; ``close`` releases the connection pool."""

    def __init__(self, api_client: kubernetes.client.ApiClient) -> None:
        self._client = api_client
        self._threads = ThreadPoolExecutor(POOL_SIZE, thread_name_prefix="kubeapi")
        # The hot writes (create, status patch, Event) go out on the loop (``sending``).
        self._sender = Sender(api_client.configuration, pool=POOL_SIZE, timeout=REQUEST_TIMEOUT)

    @classmethod
    def from_environment(cls) -> KubernetesApi:
        return cls(kubernetes.client.ApiClient(_configuration()))

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._client.close()  # type: ignore[no-untyped-call]

    async def aclose(self) -> None:
        """``close``, and the hot writes' session, which only the loop can close."""
        self.close()
        await self._sender.close()

    async def _run(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    def _call(
        self,
        method: str,
        path: str,
        *,
        query: builtins.list[tuple[str, Any]] | None = None,
        body: Any = None,
        content_type: str = JSON,
    ) -> Any:
        """One request; the raw urllib3 response (unread) of a 2xx answer, else ApiException."""
        request = self._client.param_serialize(
            method=method,
            resource_path=path,
            query_params=query or [],
            header_params={"Accept": JSON, "Content-Type": content_type},
            body=body,
            auth_settings=["BearerToken"],
        )
        response = self._client.call_api(*request, _request_timeout=REQUEST_TIMEOUT)
        if not 200 <= response.status <= 299:
            response.read()  # type: ignore[no-untyped-call]
            raise kubernetes.client.ApiException.from_response(
                http_resp=response, body=None, data=None
            )
        return response.response

    def _path(self, resource: Resource, key: ObjectKey | None = None, *, tail: str = "") -> str:
        if key is None:
            return resource.path()
        namespace, name = split_key(key)
        return resource.path(namespace=namespace, name=name) + tail

    async def get(self, resource: Resource, key: ObjectKey) -> Body | None:
        def call() -> Body | None:
            try:
                return _json(self._call("GET", self._path(resource, key)))
            except kubernetes.client.ApiException as exc:
                if exc.status == 404:
                    return None
                raise

        return await self._run(call)

    async def list(
        self,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
    ) -> builtins.list[Body]:
        query = [("labelSelector", label_selector)] if label_selector else []
        query += [("fieldSelector", field_selector)] if field_selector else []
        path = resource.path(namespace=namespace)

        def call() -> builtins.list[Body]:
            items: builtins.list[Body] = (
                _json(self._call("GET", path, query=query)).get("items") or []
            )
            return items

        return await self._run(call)

    async def create(self, resource: Resource, body: Body) -> Body | None:
        path = resource.path(namespace=(body.get("metadata") or {}).get("namespace"))
        try:
            return await self._sender.send("POST", path, body)
        except kubernetes.client.ApiException as exc:
            if exc.status == 409:
                return None
            raise

    async def delete(self, resource: Resource, key: ObjectKey) -> None:
        def call() -> None:
            try:
                _discard(self._call("DELETE", self._path(resource, key)))
            except kubernetes.client.ApiException as exc:
                if exc.status != 404:
                    raise

        await self._run(call)

    async def patch(self, resource: Resource, key: ObjectKey, *, patch: Mapping[str, Any]) -> Body:
        path = self._path(resource, key)
        body = dict(patch)

        def call() -> Body:
            try:
                return _json(self._call("PATCH", path, body=body, content_type=MERGE_PATCH))
            except kubernetes.client.ApiException as exc:
                if exc.status in (404, 409):
                    raise ConflictError(f"{exc.status} {exc.reason}") from exc
                raise

        return await self._run(call)

    async def patch_status(
        self, resource: Resource, key: ObjectKey, *, patch: Mapping[str, Any], resource_version: str
    ) -> Body:
        # metadata.resourceVersion in a merge patch is a precondition: 409 when it moved on.
        body = {"metadata": {"resourceVersion": resource_version}, "status": dict(patch)}
        path = self._path(resource, key, tail="/status")
        try:
            written = await self._sender.send("PATCH", path, body, content_type=MERGE_PATCH)
        except kubernetes.client.ApiException as exc:
            if exc.status in (404, 409):
                raise ConflictError(f"{exc.status} {exc.reason}") from exc
            raise
        assert written is not None  # read=True
        return written

    async def evict(self, key: ObjectKey) -> bool:
        namespace, name = split_key(key)
        body = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": name, "namespace": namespace},
        }
        path = self._path(PODS, key, tail="/eviction")

        def call() -> bool:
            try:
                _discard(self._call("POST", path, body=body))
            except kubernetes.client.ApiException as exc:
                if exc.status == 404:
                    return False
                raise
            return True

        return await self._run(call)

    async def create_event(self, body: Body) -> None:
        namespace = (body.get("metadata") or {}).get("namespace") or "default"
        path = f"/api/v1/namespaces/{namespace}/events"
        await self._sender.send("POST", path, body, read=False)

    async def listable(self, resource: Resource) -> bool:
        def call() -> bool:
            try:
                _discard(self._call("GET", resource.path(), query=[("limit", 1)]))
            except kubernetes.client.ApiException as exc:
                if exc.status in (404, 429, 503):
                    return False
                raise
            return True

        return await self._run(call)
