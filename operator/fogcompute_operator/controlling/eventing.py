"""Kubernetes Events about a FogJob, as core/v1 manifests (what ``kubectl describe`` shows).

Built by the controller after a status write succeeded, one per ``EventNote`` of the decision,
so a retried reconcile does not post twice what it never wrote. Pure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fogcompute_api.fogjobs import FogJob

COMPONENT = "fog-compute-operator"
_MESSAGE_MAX = 1024


def build_event(
    job: FogJob, *, type_: str, reason: str, message: str, now: datetime, instance: str
) -> dict[str, Any]:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "generateName": f"{job.metadata.name[:200]}.",
            "namespace": job.metadata.namespace,
        },
        "involvedObject": {
            "apiVersion": job.api_version,
            "kind": job.kind,
            "name": job.metadata.name,
            "namespace": job.metadata.namespace,
            "uid": job.metadata.uid,
        },
        "type": type_,
        "reason": reason,
        "message": message[:_MESSAGE_MAX],
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "reportingInstance": instance[:128],
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }
