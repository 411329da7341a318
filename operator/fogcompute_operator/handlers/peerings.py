"""Create-if-absent of the ClusterKopfPeering object that kopf's peering needs.

Called by the startup activity when peering is on, before kopf starts watching. kopf never
creates its peering object, and with mandatory peering and no object it pauses silently
forever; Helm cannot ship the object beside its CRD in one release (it maps every kind before
creating any). So the operator creates it, and fails loudly with the fix when the CRD or the
RBAC is missing. Uses the synchronous kubernetes client in a thread, configured the way kopf
logs in (in-cluster first, then the kubeconfig).
"""

from __future__ import annotations

import asyncio

import kubernetes

PEERING_GROUP = "kopf.dev"
PEERING_VERSION = "v1"
PEERING_PLURAL = "clusterkopfpeerings"
REQUEST_TIMEOUT = 10.0


class PeeringSetupError(Exception):
    """The peering object cannot be ensured; the message says what to fix."""


def _client() -> kubernetes.client.ApiClient:
    configuration = kubernetes.client.Configuration()
    try:
        kubernetes.config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except kubernetes.config.ConfigException:
        kubernetes.config.load_kube_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    return kubernetes.client.ApiClient(configuration)


def _ensure(name: str) -> bool:
    body = {
        "apiVersion": f"{PEERING_GROUP}/{PEERING_VERSION}",
        "kind": "ClusterKopfPeering",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "fog-compute"}},
    }
    with _client() as api_client:
        api = kubernetes.client.CustomObjectsApi(api_client)
        try:
            api.create_cluster_custom_object(
                PEERING_GROUP,
                PEERING_VERSION,
                PEERING_PLURAL,
                body,
                _request_timeout=REQUEST_TIMEOUT,
            )
        except kubernetes.client.ApiException as exc:
            return _explain(exc, name=name)
    return True


def _explain(exc: kubernetes.client.ApiException, *, name: str) -> bool:
    if exc.status == 409:
        return False
    if exc.status == 404:
        raise PeeringSetupError(
            f"peering {name!r} needs the CRD {PEERING_PLURAL}.{PEERING_GROUP}, which is not "
            "installed: install the chart with peering.installCRD=true, or set FOG_PEERING=false"
        ) from exc
    if exc.status == 403:
        raise PeeringSetupError(
            f"the operator may not create {PEERING_PLURAL}.{PEERING_GROUP} {name!r}: grant "
            "create on it (the chart's ClusterRole does), or set FOG_PEERING=false"
        ) from exc
    raise PeeringSetupError(
        f"creating {PEERING_PLURAL}.{PEERING_GROUP} {name!r} failed: {exc.status} {exc.reason}"
    ) from exc


async def ensure_cluster_peering(name: str) -> bool:
    """Create the ClusterKopfPeering ``name`` unless it exists; True when this call created it."""
    return await asyncio.to_thread(_ensure, name)
