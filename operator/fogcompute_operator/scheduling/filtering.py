"""Candidate filtering: which nodes may host a pod of a job, and why the others may not.

First step of a round, before any optimisation: for each job it keeps the nodes that pass every
rule and records one reason per excluded node (the first rule that failed, in the order a user
would check them). The pods of a job (primary and replicas) go to distinct nodes, so a job needs
at least as many candidates as it has pods (`Candidates.enough`); when it has fewer,
`pending_message` turns the record into the job's pending reason. Pure and per job: capacity is
checked for one pod against the snapshot; whether all pods of a batch fit together is the
optimiser's constraint, not a filter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

from fogcompute_operator.scheduling.models import JobRequest, NodeSnapshot, Tier
from fogcompute_operator.scheduling.records import Exclusion, ExclusionKind

_NAMES_SHOWN = 3


@dataclass(frozen=True)
class Candidates:
    """The nodes (indices into the snapshot) that may host a pod of `job`."""

    job: JobRequest
    nodes: tuple[int, ...]
    exclusions: tuple[Exclusion, ...]

    @property
    def enough(self) -> bool:
        """Whether every pod of the job can have a node of its own."""
        return len(self.nodes) >= self.job.pod_count


def filter_candidates(*, job: JobRequest, tier: Tier, nodes: Sequence[NodeSnapshot]) -> Candidates:
    kept: list[int] = []
    excluded: list[Exclusion] = []
    for index, node in enumerate(nodes):
        exclusion = exclusion_for(job=job, tier=tier, node=node)
        if exclusion is None:
            kept.append(index)
        else:
            excluded.append(exclusion)
    return Candidates(job=job, nodes=tuple(kept), exclusions=tuple(excluded))


def filter_batch(
    *, jobs: Sequence[JobRequest], tier: Tier, nodes: Sequence[NodeSnapshot]
) -> list[Candidates]:
    """`filter_candidates` for many jobs; jobs that ask for the same thing share the work."""
    seen: dict[Hashable, Candidates] = {}
    result = []
    for job in jobs:
        key = _signature(job)
        if key not in seen:
            seen[key] = filter_candidates(job=job, tier=tier, nodes=nodes)
        result.append(replace(seen[key], job=job))
    return result


def exclusion_for(*, job: JobRequest, tier: Tier, node: NodeSnapshot) -> Exclusion | None:
    """The first rule `node` fails for a pod of `job`, or None when it may host one."""
    for check in (_selector, _taints, _harvest_policy, _harvestable, _tier_rules, _capacity):
        reason = check(job, tier, node)
        if reason is not None:
            return Exclusion(node=node.name, kind=reason[0], detail=reason[1])
    return _deadline(job, node)


def pending_message(
    *,
    job: JobRequest,
    exclusions: Sequence[Exclusion],
    total: int,
    kept: Sequence[str] = (),
) -> str:
    """Why `job` cannot be placed, for `kubectl describe`.

    No candidate: `0/5 nodes can run a pod of ns/a: 2 Insufficient cpu (n1, n2), 1 Taint(...)
    (n3).` Some, but fewer than its pods (`kept` names them): `ns/a needs 4 distinct nodes (a
    primary and 3 replicas), only 3/5 can run its pods (n1, n2, n3): 2 Insufficient cpu (n4,
    n5).`
    """
    reasons = _grouped(exclusions)
    if not kept or len(kept) >= job.pod_count:
        if not reasons:
            return f"0/{total} nodes can run a pod of {job.name}: the cluster has no nodes."
        return f"0/{total} nodes can run a pod of {job.name}: {reasons}."
    replicas = _plural(job.replicas, "replica")
    head = (
        f"{job.name} needs {job.pod_count} distinct nodes (a primary and {replicas}), "
        f"only {len(kept)}/{total} can run its pods ({_names(kept)})"
    )
    if not reasons:
        return f"{head}: the cluster has no other node."
    return f"{head}: {reasons}."


def _grouped(exclusions: Sequence[Exclusion]) -> str:
    """`2 Insufficient cpu (n1, n2), 1 Taint(...) (n3)`: largest group first."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for exclusion in exclusions:
        by_label[exclusion.label].append(exclusion.node)
    parts = [
        f"{len(names)} {label} ({_names(names)})"
        for label, names in sorted(by_label.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    return ", ".join(parts)


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    more = f", +{len(names) - _NAMES_SHOWN} more" if len(names) > _NAMES_SHOWN else ""
    return shown + more


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


_Reason = tuple[ExclusionKind, str] | None


def _signature(job: JobRequest) -> Hashable:
    """Everything filtering reads from a job, and nothing else."""
    deadline = None
    if job.seconds_to_deadline is not None:
        deadline = (job.estimated_seconds, job.seconds_to_deadline)
    return (
        job.cpu_millis,
        job.memory_bytes,
        job.gpu,
        tuple(sorted(job.node_selector.items())),
        job.tolerations,
        job.allow_harvested,
        deadline,
    )


def _selector(job: JobRequest, _tier: Tier, node: NodeSnapshot) -> _Reason:
    for key, value in job.node_selector.items():
        if node.labels.get(key) != value:
            return ExclusionKind.SELECTOR_MISMATCH, f"{key}={value}"
    return None


def _taints(job: JobRequest, _tier: Tier, node: NodeSnapshot) -> _Reason:
    for taint in node.taints:
        if taint.effect == "PreferNoSchedule":
            continue
        if not any(toleration.tolerates(taint) for toleration in job.tolerations):
            return ExclusionKind.TAINT, str(taint)
    return None


def _harvest_policy(job: JobRequest, tier: Tier, node: NodeSnapshot) -> _Reason:
    if not node.harvested:
        return None
    if not tier.allow_harvested:
        return ExclusionKind.TIER_RULE, f"tier {tier.name} does not use harvested devices"
    if not job.allow_harvested:
        return ExclusionKind.HARVEST_NOT_ALLOWED, "spec.allowHarvested is false"
    return None


def _harvestable(_job: JobRequest, _tier: Tier, node: NodeSnapshot) -> _Reason:
    if node.edge is not None and not node.edge.harvestable:
        return ExclusionKind.NOT_HARVESTABLE, node.edge.not_harvestable_reason or "Unknown"
    return None


def _tier_rules(_job: JobRequest, tier: Tier, node: NodeSnapshot) -> _Reason:
    if node.reliability < tier.min_reliability:
        detail = f"tier {tier.name} needs reliability >= {tier.min_reliability:g}"
        return ExclusionKind.TIER_RULE, detail
    return None


def _capacity(job: JobRequest, _tier: Tier, node: NodeSnapshot) -> _Reason:
    if job.cpu_millis > node.cpu_millis:
        return ExclusionKind.INSUFFICIENT_CPU, ""
    if job.memory_bytes > node.memory_bytes:
        return ExclusionKind.INSUFFICIENT_MEMORY, ""
    if job.gpu > node.gpu:
        return ExclusionKind.INSUFFICIENT_GPU, ""
    return None


def _deadline(job: JobRequest, node: NodeSnapshot) -> Exclusion | None:
    if job.seconds_to_deadline is None:
        return None
    runtime = job.estimated_seconds / node.speed
    if runtime <= job.seconds_to_deadline:
        return None
    detail = f"needs {runtime:.0f}s, {job.seconds_to_deadline:.0f}s left"
    return Exclusion(node=node.name, kind=ExclusionKind.DEADLINE, detail=detail)
