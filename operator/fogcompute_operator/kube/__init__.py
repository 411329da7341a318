"""The narrow seam between the operator and the Kubernetes API server, keyed by resource kind.

The bottom layer: ``KubeApi`` (a Protocol: get, list, create, delete, patch, patch_status, evict,
create_event) is what the runtime, the controllers and the scheduler are given, so their logic
is tested with an in-memory fake and no network; ``KubernetesApi`` is the real one. Objects
are plain JSON dicts (``Body``) named by ``Resource`` and ``ObjectKey``. No kopf here.
"""

from fogcompute_operator.kube.client import KubernetesApi
from fogcompute_operator.kube.quantities import GPU_RESOURCE, millis, units
from fogcompute_operator.kube.resources import (
    CIRCUITS,
    CONFIGMAPS,
    EDGEDEVICES,
    EVENTS,
    FOGJOBS,
    MIXNODES,
    NAMESPACES,
    NODES,
    PODS,
    PROPOSALS,
    SECRETS,
    STAKES,
    Body,
    ObjectKey,
    ObjectReference,
    OwnerReference,
    Resource,
    Uid,
    controller_owner,
    key_of,
    object_key,
    reference_to,
    split_key,
    uid_of,
)
from fogcompute_operator.kube.seam import ConflictError, KubeApi

__all__ = [
    "CIRCUITS",
    "CONFIGMAPS",
    "EDGEDEVICES",
    "EVENTS",
    "FOGJOBS",
    "GPU_RESOURCE",
    "MIXNODES",
    "NAMESPACES",
    "NODES",
    "PODS",
    "PROPOSALS",
    "SECRETS",
    "STAKES",
    "Body",
    "ConflictError",
    "KubeApi",
    "KubernetesApi",
    "ObjectKey",
    "ObjectReference",
    "OwnerReference",
    "Resource",
    "Uid",
    "controller_owner",
    "key_of",
    "millis",
    "object_key",
    "reference_to",
    "split_key",
    "uid_of",
    "units",
]
