"""The narrow seam between the FogJob services and the Kubernetes API server.

``KubeApi`` (a Protocol) lists the few calls the controller and the scheduler make; the
services take one as an argument, so their logic is tested with an in-memory fake and no
network. ``KubernetesApi`` is the real one: the synchronous ``kubernetes`` client run in a
worker thread of its own pool, answers kept as plain JSON dicts. No kopf here.
"""

from fogcompute_operator.kubeapi.seam import ConflictError, KubeApi, Obj
from fogcompute_operator.kubeapi.syncclient import KubernetesApi

__all__ = ["ConflictError", "KubeApi", "KubernetesApi", "Obj"]
