"""Translations between the API's FogJob values and the scheduling library's values.

Sits between the controller (which speaks ``fogcompute_api``) and ``scheduling`` (which speaks
its own frozen dataclasses). This is the one place where replica counts change meaning: the
API's ``spec.replicas`` is the TOTAL number of pods (replica 0 is the primary), the library's
``JobRequest.replicas`` counts pods BEYOND the primary. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from datetime import datetime
from typing import Literal

from fogcompute_api.fogjobs import (
    Alternative,
    Assignment,
    Exclusion,
    FogJob,
    Objectives,
    Placement,
)

from fogcompute_operator import scheduling
from fogcompute_operator.fogjobs.drafts import Feedback, Offer, Unplaced
from fogcompute_operator.kube import millis, object_key, units
from fogcompute_operator.scheduling.batching import Admission, Answer

_SEED_MAX = 2**53 - 1
_DEFAULT_ESTIMATE = (
    60.0  # the library's JobRequest default, used when spec.estimatedSeconds is unset
)


def job_request(job: FogJob, *, now: datetime) -> scheduling.JobRequest:
    """The library's view of a waiting job; deadlines are measured from ``now``."""
    spec = job.spec
    deadline = spec.deadline
    return scheduling.JobRequest(
        name=object_key(job.metadata.namespace, job.metadata.name),
        uid=job.metadata.uid or "",
        cpu_millis=millis(spec.resources.cpu),
        memory_bytes=units(spec.resources.memory),
        gpu=spec.resources.gpu,
        # The API counts every pod; the library counts the pods beyond the primary.
        replicas=spec.replicas - 1,
        tier=spec.tier,
        estimated_seconds=float(spec.estimated_seconds or _DEFAULT_ESTIMATE),
        seconds_to_deadline=None if deadline is None else (deadline - now).total_seconds(),
        node_selector=dict(spec.node_selector),
        allow_harvested=spec.allow_harvested,
    )


def _algorithm(name: str) -> Literal["NSGA2", "NSGA3", "Greedy"]:
    upper = name.upper().replace("-", "")
    if "NSGA3" in upper or "NSGAIII" in upper:
        return "NSGA3"
    if "NSGA2" in upper or "NSGAII" in upper:
        return "NSGA2"
    return "Greedy"


def _objectives(values: Mapping[str, float]) -> Objectives:
    def get(key: str) -> float:
        return max(float(values.get(key, 0.0)), 0.0)

    unreliability = values.get("unreliability")
    reliability = None if unreliability is None else min(max(1.0 - unreliability, 0.0), 1.0)
    return Objectives(
        latency_ms=get("latency"),
        energy_joules=get("energy"),
        cost=get("cost"),
        makespan_seconds=get("makespan"),
        reliability=reliability,
    )


def api_placement(
    placement: scheduling.Placement,
    *,
    harvested: Set[str],
    scheduling_round: int,
    now: datetime,
) -> Placement:
    """The status ``Placement`` of a library placement; ``harvested`` names harvested nodes."""
    record = placement.record
    assignments = tuple(
        Assignment(
            replica=i,
            node=node,
            role="Primary" if i == 0 else "Replica",
            harvested=node in harvested,
        )
        for i, node in enumerate(placement.nodes)
    )
    alternatives = tuple(
        Alternative(nodes=alt.nodes, objectives=_objectives(alt.objectives))
        for alt in record.alternatives[:2]
    )
    return Placement(
        assignments=assignments,
        objectives=_objectives(record.objectives),
        algorithm=_algorithm(record.algorithm),
        front_size=record.front_size,
        hypervolume=max(record.hypervolume, 0.0) if math.isfinite(record.hypervolume) else None,
        optimizer_seconds=max(record.optimiser_seconds, 0.0),
        seed=record.seed & _SEED_MAX,
        scheduling_round=scheduling_round,
        alternatives=alternatives,
        placed_time=now,
    )


def unplaced(pending: scheduling.PendingJob) -> Unplaced:
    """The status-facing reason a round left a job out, with one exclusion per node."""
    exclusions = tuple(
        Exclusion(node=e.node, reason=_reason(e.kind), message=e.label)
        for e in pending.exclusions[:64]
    )
    return Unplaced(reason=pending.reason, message=pending.message, exclusions=exclusions)


def _reason(kind: scheduling.ExclusionKind) -> str:
    """``Insufficient cpu`` -> ``InsufficientCpu``: a CamelCase reason for the API."""
    return "".join(word[:1].upper() + word[1:] for word in kind.name.lower().split("_"))


def feedback(answer: Answer) -> Feedback:
    """The scheduler's answer for a job, as the lifecycle (``decide``) reads it."""
    if isinstance(answer, Admission):
        placement = api_placement(
            answer.placement,
            harvested=answer.harvested,
            scheduling_round=answer.scheduling_round,
            now=answer.at,
        )
        return Offer(placement)
    return None if answer is None else unplaced(answer)
