"""``KubeApi`` over the synchronous ``kubernetes`` client, each call in a worker thread.

Created once by the FogJob handlers at startup and shared by the controller's workers, its
Event poster and the scheduler. Logs in the way kopf does (in-cluster first, then the
kubeconfig). Responses are read as raw JSON (``_preload_content=False``): the services want
dicts, and skipping the client's model classes is much faster; an answer nobody reads is
drained all the same, so its connection goes back to the pool.

Calls run in a thread pool of our own, as wide as urllib3's connection pool (``POOL_SIZE``):
``asyncio.to_thread`` would share the loop's default executor, only ``cores + 4`` threads
wide, and a thread without a pooled connection opens (and then drops) a new one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import kubernetes
from fogcompute_api.meta import GROUP, PLURAL_EDGEDEVICES, PLURAL_FOGJOBS, VERSION

from fogcompute_operator.kubeapi.seam import ConflictError, Obj

REQUEST_TIMEOUT = 30.0
POOL_SIZE = 32
T = TypeVar("T")


def _configuration() -> kubernetes.client.Configuration:
    configuration = kubernetes.client.Configuration()
    try:
        kubernetes.config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except kubernetes.config.ConfigException:
        kubernetes.config.load_kube_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    configuration.connection_pool_maxsize = POOL_SIZE
    return configuration


def _json(response: Any) -> Obj:
    data: Obj = json.loads(response.data)
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
        self._core = kubernetes.client.CoreV1Api(api_client)
        self._custom = kubernetes.client.CustomObjectsApi(api_client)
        self._threads = ThreadPoolExecutor(POOL_SIZE, thread_name_prefix="kubeapi")

    async def _run(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    @classmethod
    def from_environment(cls) -> KubernetesApi:
        return cls(kubernetes.client.ApiClient(_configuration()))

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._client.close()  # type: ignore[no-untyped-call]

    async def get_fogjob(self, namespace: str, name: str) -> Obj | None:
        def call() -> Obj | None:
            try:
                return _json(
                    self._custom.get_namespaced_custom_object(
                        GROUP, VERSION, namespace, PLURAL_FOGJOBS, name, **_raw()
                    )
                )
            except kubernetes.client.ApiException as exc:
                if exc.status == 404:
                    return None
                raise

        return await self._run(call)

    async def replace_fogjob_status(self, body: Obj) -> Obj:
        metadata = body["metadata"]

        def call() -> Obj:
            try:
                return _json(
                    self._custom.replace_namespaced_custom_object_status(
                        GROUP,
                        VERSION,
                        metadata["namespace"],
                        PLURAL_FOGJOBS,
                        metadata["name"],
                        body,
                        **_raw(),
                    )
                )
            except kubernetes.client.ApiException as exc:
                if exc.status in (404, 409):
                    raise ConflictError(f"{exc.status} {exc.reason}") from exc
                raise

        return await self._run(call)

    async def list_pods(self, namespace: str, *, label_selector: str) -> list[Obj]:
        def call() -> list[Obj]:
            response = self._core.list_namespaced_pod(
                namespace, label_selector=label_selector, **_raw()
            )
            items: list[Obj] = _json(response).get("items") or []
            return items

        return await self._run(call)

    async def list_labelled_pods(self, label_selector: str) -> list[Obj]:
        def call() -> list[Obj]:
            response = self._core.list_pod_for_all_namespaces(
                label_selector=label_selector, **_raw()
            )
            items: list[Obj] = _json(response).get("items") or []
            return items

        return await self._run(call)

    async def list_active_pods(self) -> list[Obj]:
        selector = "status.phase!=Succeeded,status.phase!=Failed"

        def call() -> list[Obj]:
            response = self._core.list_pod_for_all_namespaces(field_selector=selector, **_raw())
            items: list[Obj] = _json(response).get("items") or []
            return items

        return await self._run(call)

    async def create_pod(self, namespace: str, body: Obj) -> Obj | None:
        def call() -> Obj | None:
            try:
                # The client serialises a dict as-is; its stubs only name the model class.
                return _json(self._core.create_namespaced_pod(namespace, body, **_raw()))  # type: ignore[arg-type]
            except kubernetes.client.ApiException as exc:
                if exc.status == 409:
                    return None
                raise

        return await self._run(call)

    async def delete_pod(self, namespace: str, name: str) -> None:
        def call() -> None:
            try:
                _discard(self._core.delete_namespaced_pod(name, namespace, **_raw()))
            except kubernetes.client.ApiException as exc:
                if exc.status != 404:
                    raise

        await self._run(call)

    async def list_nodes(self) -> list[Obj]:
        def call() -> list[Obj]:
            items: list[Obj] = _json(self._core.list_node(**_raw())).get("items") or []
            return items

        return await self._run(call)

    async def list_edgedevices(self) -> list[Obj]:
        def call() -> list[Obj]:
            try:
                response = self._custom.list_cluster_custom_object(
                    GROUP, VERSION, PLURAL_EDGEDEVICES, **_raw()
                )
            except kubernetes.client.ApiException as exc:
                if exc.status == 404:
                    return []
                raise
            items: list[Obj] = _json(response).get("items") or []
            return items

        return await self._run(call)

    async def fogjobs_listable(self) -> bool:
        """Whether FogJobs can be listed yet: right after the CRD is created or changed the
        API server answers 429/503 ("storage is (re)initializing") for a moment."""

        def call() -> bool:
            try:
                _json(
                    self._custom.list_cluster_custom_object(
                        GROUP, VERSION, PLURAL_FOGJOBS, limit=1, **_raw()
                    )
                )
            except kubernetes.client.ApiException as exc:
                if exc.status in (404, 429, 503):
                    return False
                raise
            return True

        return await self._run(call)

    async def create_event(self, namespace: str, body: Obj) -> None:
        def call() -> None:
            _discard(self._core.create_namespaced_event(namespace, body, **_raw()))  # type: ignore[arg-type]

        await self._run(call)


def _raw() -> dict[str, Any]:
    return {"_preload_content": False, "_request_timeout": REQUEST_TIMEOUT}
