"""Starting an attempt and failing a job: the two steps several lifecycle branches share.

Used by ``deciding`` (adopting pods a lost status write left behind, deadline) and ``waiting``
(a placement arrived, maximum pending time). Pure: they change the ``Draft`` only.
"""

from __future__ import annotations

from collections.abc import Sequence

from fogcompute_api.fogjobs import Assignment, Attempt, Placement
from pydantic import ValidationError

from fogcompute_operator.fogjobs.drafts import Draft
from fogcompute_operator.fogjobs.pods import PodPlan
from fogcompute_operator.fogjobs.views import PodView


def placement_of_pods(pods: Sequence[PodView], *, attempt: int) -> Placement | None:
    """The placement an attempt's pods carry (annotation), or one rebuilt from their nodes."""
    mine = sorted((p for p in pods if p.attempt == attempt), key=lambda p: p.replica)
    for pod in mine:
        if pod.placement_json:
            try:
                return Placement.model_validate_json(pod.placement_json)
            except ValidationError:
                continue
    if not mine:
        return None
    assignments = tuple(
        Assignment(replica=p.replica, node=p.node, role="Primary" if p.replica == 0 else "Replica")
        for p in mine
        if p.node
    )
    zero = {"latencyMs": 0, "energyJoules": 0, "cost": 0, "makespanSeconds": 0}
    return Placement.model_validate(
        {
            "assignments": [a.model_dump(by_alias=True) for a in assignments],
            "objectives": zero,
            "algorithm": "Greedy",
            "frontSize": 0,
            "optimizerSeconds": 0,
            "seed": 0,
        }
    )


def start_attempt(draft: Draft, *, number: int, placement: Placement) -> None:
    """Record attempt ``number`` on ``placement`` and plan the pods it still lacks."""
    ordered = sorted(placement.assignments, key=lambda a: a.replica)
    nodes = tuple(a.node for a in ordered)
    existing = {p.replica for p in draft.pods if p.attempt == number}
    placement = placement.model_copy(update={"placed_time": placement.placed_time or draft.now})
    payload = placement.model_dump_json(by_alias=True, exclude_none=True)
    for a in ordered:
        if a.replica not in existing:
            plan = PodPlan(number, a.replica, a.node, a.harvested, payload)
            draft.creates.append(plan)
    draft.add_attempt(Attempt(number=number, outcome="Running", nodes=nodes, start_time=draft.now))
    draft.update(
        phase="Scheduled",
        placement=placement,
        nodes_text=",".join(nodes),
        ready_replicas=0,
        ready_text=f"0/{draft.job.spec.replicas}",
        pending_reason=None,
        exclusions=(),
        next_retry_time=None,
    )
    where = ", ".join(nodes)
    draft.condition("Queued", "False", "Admitted", f"attempt {number} placed")
    draft.condition("Scheduled", "True", "Placed", f"attempt {number} on {where}")
    draft.condition("Ready", "False", "PodsStarting", f"0/{len(nodes)} replicas ready")
    detail = f"{placement.algorithm}, front size {placement.front_size}"
    detail += f", optimiser {placement.optimizer_seconds:.3f}s"
    draft.event(
        "Normal", "Scheduled", f"attempt {number}: {len(nodes)} pod(s) on {where} ({detail})"
    )


def fail(draft: Draft, reason: str, message: str) -> None:
    """End the job as Failed with ``reason``; its pods that still run are deleted."""
    draft.update(
        phase="Failed",
        completion_time=draft.now,
        next_retry_time=None,
        ready_replicas=0,
        ready_text=f"0/{draft.job.spec.replicas}",
    )
    draft.condition("Failed", "True", reason, message)
    draft.condition("Ready", "False", reason, message)
    if draft.condition_is("Queued", "True"):
        draft.condition("Queued", "False", reason, message)
    draft.event("Warning", reason, message)
    draft.wants_placement = False
    draft.delete_live_pods()
