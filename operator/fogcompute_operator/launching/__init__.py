"""Launching a FogJob's pods: pure manifest builders, no client and no kopf.

The FogJob controller (``queueing.controlling``) decides which pods an attempt needs
(``tracking``) and builds each one here with ``build_pod`` before sending it; names are
deterministic, so a create that is retried after a crash finds the pod it made earlier.
"""

from fogcompute_operator.launching.pods import (
    ANNOTATION_PLACEMENT,
    ANNOTATION_TIER_PRIORITY,
    CONTAINER_NAME,
    GPU_RESOURCE,
    KWOK_HOOK_PREFIX,
    LABEL_TIER,
    PodPlan,
    build_pod,
    job_label_value,
    pod_name,
)

__all__ = [
    "ANNOTATION_PLACEMENT",
    "ANNOTATION_TIER_PRIORITY",
    "CONTAINER_NAME",
    "GPU_RESOURCE",
    "KWOK_HOOK_PREFIX",
    "LABEL_TIER",
    "PodPlan",
    "build_pod",
    "job_label_value",
    "pod_name",
]
