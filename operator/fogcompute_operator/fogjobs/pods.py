"""Pure builders of a FogJob's pods: names, labels, owner reference, resources, binding.

Called by the FogJob reconcile (``reconciling``) for each pod an attempt needs, just before
the create request. Nothing here talks to the API server or reads a clock. Every pod:

- is named ``<job>-<attempt>-<replica>`` (shortened with a hash when the job name is long), so
  creating it twice is a harmless 409 and a restarted operator finds what it created;
- is owned by its FogJob (controller=true, blockOwnerDeletion), so kube-controller-manager's
  garbage collector deletes it with the job;
- carries the labels linking it to the job (``fogcompute.io/fogjob``, ``/replica``,
  ``/attempt``, ``/tier``, ``/harvest`` on harvested devices) and the whole placement of its
  attempt as an annotation, from which a restarted operator rebuilds what status lost;
- is bound to its node with ``spec.nodeName`` (kube-scheduler never sees it), never restarts,
  and requests (= limits) the job's cpu, memory and gpu.

The tier becomes a priority as a label and an annotation holding the tier's integer priority;
``priorityClassName`` is set only when the operator is told a PriorityClass prefix, because the
API server rejects a pod naming a PriorityClass that does not exist (and refuses a bare
``spec.priority``).

Test hook: annotations of the FogJob whose key starts with ``fogcompute.io/kwok-`` are copied
onto its pods. The testbed's kwok stages read ``fogcompute.io/kwok-outcome`` (Succeeded or
Failed) and ``fogcompute.io/kwok-delay`` to end a fake pod; on a real cluster they mean nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final

from fogcompute_api.fogjobs import FogJob
from fogcompute_api.meta import (
    LABEL_ATTEMPT,
    LABEL_FOGJOB,
    LABEL_HARVEST,
    LABEL_REPLICA,
    PREFIX,
)

from fogcompute_operator.kube import GPU_RESOURCE, OwnerReference

CONTAINER_NAME: Final = "job"
LABEL_TIER: Final = f"{PREFIX}tier"
ANNOTATION_PLACEMENT: Final = f"{PREFIX}placement"
"""JSON of the attempt's placement (the status ``Placement`` model): every pod of it carries it."""
ANNOTATION_TIER_PRIORITY: Final = f"{PREFIX}tier-priority"
KWOK_HOOK_PREFIX: Final = f"{PREFIX}kwok-"

_NAME_MAX = 253
_LABEL_MAX = 63
_HASH_CHARS = 10


@dataclass(frozen=True)
class PodPlan:
    """One pod an attempt needs: which replica, where, and the attempt's placement (JSON)."""

    attempt: int
    replica: int
    node: str
    harvested: bool
    placement_json: str


def _shortened(text: str, *, limit: int) -> str:
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:_HASH_CHARS]
    return f"{text[: limit - _HASH_CHARS - 1].rstrip('-.')}-{digest}"


def pod_name(job_name: str, *, attempt: int, replica: int) -> str:
    """``<job>-<attempt>-<replica>``; a job name too long for that is cut and hashed."""
    suffix = f"-{attempt}-{replica}"
    return _shortened(job_name, limit=_NAME_MAX - len(suffix)) + suffix


def job_label_value(job_name: str) -> str:
    """The ``fogcompute.io/fogjob`` label value: the job's name, cut and hashed past 63."""
    return _shortened(job_name, limit=_LABEL_MAX)


def _owner_reference(job: FogJob) -> OwnerReference:
    return {
        "apiVersion": job.api_version,
        "kind": job.kind,
        "name": job.metadata.name,
        "uid": job.metadata.uid or "",
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _resources(job: FogJob) -> dict[str, Any]:
    amounts: dict[str, Any] = {
        "cpu": job.spec.resources.cpu,
        "memory": job.spec.resources.memory,
    }
    if job.spec.resources.gpu:
        amounts[GPU_RESOURCE] = str(job.spec.resources.gpu)
    return {"requests": amounts, "limits": dict(amounts)}


def _container(job: FogJob) -> dict[str, Any]:
    spec = job.spec.container
    container: dict[str, Any] = {
        "name": CONTAINER_NAME,
        "image": spec.image,
        "resources": _resources(job),
    }
    if spec.command:
        container["command"] = list(spec.command)
    if spec.args:
        container["args"] = list(spec.args)
    if spec.env:
        container["env"] = [{"name": e.name, "value": e.value} for e in spec.env]
    if spec.working_dir:
        container["workingDir"] = spec.working_dir
    return container


def _labels(job: FogJob, plan: PodPlan) -> dict[str, str]:
    labels = {
        LABEL_FOGJOB: job_label_value(job.metadata.name),
        LABEL_REPLICA: str(plan.replica),
        LABEL_ATTEMPT: str(plan.attempt),
        LABEL_TIER: job.spec.tier,
        "app.kubernetes.io/managed-by": "fog-compute",
    }
    if plan.harvested:
        labels[LABEL_HARVEST] = "true"
    return labels


def _annotations(job: FogJob, plan: PodPlan, *, tier_priority: int) -> dict[str, str]:
    hooks = {
        key: value
        for key, value in job.metadata.annotations.items()
        if key.startswith(KWOK_HOOK_PREFIX)
    }
    return {
        **hooks,
        ANNOTATION_PLACEMENT: plan.placement_json,
        ANNOTATION_TIER_PRIORITY: str(tier_priority),
    }


def build_pod(
    job: FogJob,
    plan: PodPlan,
    *,
    tier_priority: int,
    priority_class_prefix: str = "",
) -> dict[str, Any]:
    """The pod manifest of one replica of one attempt of ``job``, bound to ``plan.node``."""
    if not job.metadata.uid:
        raise ValueError(f"FogJob {job.metadata.name!r} has no uid; build pods from a stored job")
    spec: dict[str, Any] = {
        "nodeName": plan.node,
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "containers": [_container(job)],
    }
    if priority_class_prefix:
        spec["priorityClassName"] = f"{priority_class_prefix}{job.spec.tier}"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod_name(job.metadata.name, attempt=plan.attempt, replica=plan.replica),
            "namespace": job.metadata.namespace,
            "labels": _labels(job, plan),
            "annotations": _annotations(job, plan, tier_priority=tier_priority),
            "ownerReferences": [_owner_reference(job)],
        },
        "spec": spec,
    }
