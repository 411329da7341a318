"""Fluent builders for the FogJob controller's unit tests: ``make_fogjob("a").replicas(3)``.

Named fogjob_builders (not builders): test directories have no __init__.py and share one
module namespace.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fogcompute_api.fogjobs import FogJob, Placement
from fogcompute_operator.fogjobs import ANNOTATION_PLACEMENT, pod_name

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """The fake clock: ``seconds`` after T0."""
    return T0 + timedelta(seconds=seconds)


class FogJobBuilder:
    def __init__(self, name: str) -> None:
        self._body: dict[str, Any] = {
            "metadata": {
                "name": name,
                "namespace": "ns",
                "uid": f"uid-{name}",
                "generation": 1,
                "annotations": {},
            },
            "spec": {"container": {"image": "busybox"}, "tier": "bronze"},
        }

    def spec(self, **fields: Any) -> FogJobBuilder:
        self._body["spec"].update(fields)
        return self

    def tier(self, tier: str) -> FogJobBuilder:
        return self.spec(tier=tier)

    def replicas(self, total: int, *, min_available: int = 1) -> FogJobBuilder:
        return self.spec(replicas=total, minAvailable=min_available)

    def annotate(self, key: str, value: str) -> FogJobBuilder:
        self._body["metadata"]["annotations"][key] = value
        return self

    def build(self) -> FogJob:
        return FogJob.model_validate(self._body)


def make_fogjob(name: str = "job") -> FogJobBuilder:
    return FogJobBuilder(name)


def placement(*nodes: str) -> Placement:
    return Placement.model_validate(
        {
            "assignments": [
                {"replica": i, "node": n, "role": "Primary" if i == 0 else "Replica"}
                for i, n in enumerate(nodes)
            ],
            "objectives": {"latencyMs": 1, "energyJoules": 2, "cost": 3, "makespanSeconds": 4},
            "algorithm": "NSGA3",
            "frontSize": 7,
            "optimizerSeconds": 0.1,
            "seed": 42,
        }
    )


def pod_body(
    job: str,
    *,
    attempt: int,
    replica: int,
    node: str = "fog-0",
    phase: str = "Running",
    ready: bool = True,
    reason: str | None = None,
    deleting: bool = False,
    placed: Placement | None = None,
    conditions: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    annotations = {}
    if placed is not None:
        annotations[ANNOTATION_PLACEMENT] = placed.model_dump_json(by_alias=True, exclude_none=True)
    status: dict[str, Any] = {"phase": phase, "conditions": [*conditions]}
    if phase == "Running":
        status["conditions"].append({"type": "Ready", "status": "True" if ready else "False"})
    if reason:
        status["reason"] = reason
    metadata: dict[str, Any] = {
        "name": pod_name(job, attempt=attempt, replica=replica),
        "labels": {"fogcompute.io/attempt": str(attempt), "fogcompute.io/replica": str(replica)},
        "annotations": annotations,
        "ownerReferences": [{"uid": f"uid-{job}", "controller": True}],
    }
    if deleting:
        metadata["deletionTimestamp"] = "2030-01-01T00:00:00Z"
    return {"metadata": metadata, "spec": {"nodeName": node}, "status": status}
