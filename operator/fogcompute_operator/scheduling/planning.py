"""A round's admission plan across tiers: the most jobs any packer places tier after tier.

Runs once per round, before the tiers (rounds). `admit` maximises placed jobs within one tier,
but each tier then keeps the optimiser's choice, which may take room a packer would have left
for the tiers after it: a round of several tiers could place fewer jobs than kube-scheduler's
spread run tier by tier. The plan runs every packer of `packing.PACKERS` over the whole batch,
tier by tier in priority order (each tier seeing what the tiers before it took), and `admit`
tier by tier (each tier's best packer), and keeps the packing with the most placed jobs, then
the most jobs of each tier in priority order, then the most pods. When capacity is short (MCT
alone leaves jobs out), the round reserves for the tiers after the current one the room their
planned placement uses (`reserving`) and offers the tier's planned placement to `admit`
(`planned_admission`): the planned placements of all later tiers stay feasible whatever a tier
chooses (each tier's choice fits beside the later tiers' reservations), so the round places at
least the plan's jobs. When everything fits, nothing is reserved: a reservation would keep the
higher tiers off nodes they could share.

Pure numpy and values, like packing; the tiered baseline of the benchmark is `plan_round` with
one packer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from fogcompute_operator.scheduling.encoding import Encoding, FloatArray, IntArray, encode
from fogcompute_operator.scheduling.filtering import filter_batch
from fogcompute_operator.scheduling.models import JobRequest, NodeSnapshot, Tier
from fogcompute_operator.scheduling.objectives import per_node_sum
from fogcompute_operator.scheduling.packing import PACKERS, Greedy, Packer, admit, pack


@dataclass(frozen=True, eq=False)
class TierPlan:
    """One tier's planned placement: job uid -> node index of each pod, and what it uses."""

    tier: str
    nodes_of: Mapping[str, tuple[int, ...]]
    cpu: FloatArray  # per node, millis
    memory: FloatArray
    gpu: FloatArray


@dataclass(frozen=True, eq=False)
class RoundPlan:
    """The best tiered packing of a batch; `reserve` says whether rounds should hold its room."""

    packer: str
    tiers: Mapping[str, TierPlan] = field(default_factory=dict)
    reserve: bool = False

    @property
    def placed_jobs(self) -> int:
        return sum(len(plan.nodes_of) for plan in self.tiers.values())


def plan_round(
    *,
    batches: Sequence[tuple[Tier, Sequence[JobRequest]]],
    nodes: Sequence[NodeSnapshot],
    packers: Sequence[Packer] = PACKERS,
) -> RoundPlan:
    """`batches` in the round's order (priority, then deadlines): the best packer's plan."""
    best = _tiered(batches, nodes, packers[0])
    total = sum(len(jobs) for _, jobs in batches)
    if best.placed_jobs == total:
        return best
    rules: list[Packer | None] = [*packers[1:], None] if len(packers) > 1 else []
    for rule in rules:
        candidate = _tiered(batches, nodes, rule)
        if _rank(candidate, batches) > _rank(best, batches):
            best = candidate
    return replace(best, reserve=True)


def reserving(
    nodes: Sequence[NodeSnapshot], plan: RoundPlan, *, tiers: Sequence[str]
) -> list[NodeSnapshot]:
    """`nodes` less the room the plan gives `tiers` (the tiers after the current one)."""
    held = [plan.tiers[name] for name in tiers if name in plan.tiers] if plan.reserve else []
    if not held:
        return list(nodes)
    cpu = np.sum([p.cpu for p in held], axis=0)
    memory = np.sum([p.memory for p in held], axis=0)
    gpu = np.sum([p.gpu for p in held], axis=0)
    return [
        replace(
            node,
            cpu_millis=node.cpu_millis - int(cpu[i]),
            memory_bytes=node.memory_bytes - int(memory[i]),
            gpu=node.gpu - int(gpu[i]),
        )
        for i, node in enumerate(nodes)
    ]


def planned_admission(encoding: Encoding, *, plan: RoundPlan, tier: str) -> Greedy | None:
    """`tier`'s planned placement as genes of `encoding` (its planned jobs placed); None when
    the plan holds nothing (everything fits: `admit` needs no help) or plans no job here.

    A planned pod whose node is not among its candidates (the snapshot changed under the plan)
    drops its job from the planned admission rather than inventing a node.
    """
    planned = plan.tiers.get(tier)
    if not plan.reserve or planned is None or not planned.nodes_of:
        return None
    rows = np.full(encoding.n_pods, -1, dtype=np.int64)
    starts = np.searchsorted(encoding.pod_job, np.arange(len(encoding.jobs) + 1))
    for i, job in enumerate(encoding.jobs):
        nodes = planned.nodes_of.get(job.uid)
        if nodes is not None and len(nodes) == starts[i + 1] - starts[i]:
            rows[starts[i] : starts[i + 1]] = nodes
    genes = np.where(rows >= 0, encoding.genes_of(np.maximum(rows, 0)[None, :])[0], -1)
    missing = np.bincount(encoding.pod_job, weights=genes < 0, minlength=len(encoding.jobs))
    placed = missing == 0
    return Greedy(
        genes=np.where(placed[encoding.pod_job], genes, 0),
        placed=placed,
        packer=f"planned:{tier}",
    )


def _rank(
    plan: RoundPlan, batches: Sequence[tuple[Tier, Sequence[JobRequest]]]
) -> tuple[int, tuple[int, ...], int]:
    per_tier = tuple(len(plan.tiers[t.name].nodes_of) for t, _ in batches if t.name in plan.tiers)
    pods = sum(len(p) for tier in plan.tiers.values() for p in tier.nodes_of.values())
    return plan.placed_jobs, per_tier, pods


def _tiered(
    batches: Sequence[tuple[Tier, Sequence[JobRequest]]],
    nodes: Sequence[NodeSnapshot],
    packer: Packer | None,
) -> RoundPlan:
    """One packer tier after tier; None: each tier's best packer (`admit`), as rounds admits."""
    left = list(nodes)
    base = np.zeros(len(nodes))
    tiers: dict[str, TierPlan] = {}
    for tier, jobs in batches:
        found = [c for c in filter_batch(jobs=jobs, tier=tier, nodes=left) if c.enough]
        encoding = encode(
            jobs=[c.job for c in found],
            candidates=[c.nodes for c in found],
            nodes=left,
            base_seconds=base,
        )
        result = admit(encoding) if packer is None else pack(encoding, packer)
        row = encoding.nodes_of(result.genes[None, :])[0]
        tiers[tier.name] = _tier_plan(tier.name, encoding, result, row)
        left, base = _taken(encoding, left, base, row, result.placed[encoding.pod_job])
    return RoundPlan(packer=packer or "admit", tiers=tiers)


def _tier_plan(name: str, encoding: Encoding, result: Greedy, row: IntArray) -> TierPlan:
    placed = result.placed[encoding.pod_job]
    starts = np.searchsorted(encoding.pod_job, np.arange(len(encoding.jobs) + 1))
    nodes_of = {
        job.uid: tuple(int(n) for n in row[starts[i] : starts[i + 1]])
        for i, job in enumerate(encoding.jobs)
        if result.placed[i]
    }
    rows = row[None, :]
    return TierPlan(
        tier=name,
        nodes_of=nodes_of,
        cpu=per_node_sum(encoding, rows, encoding.pod_cpu * placed)[0],
        memory=per_node_sum(encoding, rows, encoding.pod_memory * placed)[0],
        gpu=per_node_sum(encoding, rows, encoding.pod_gpu * placed)[0],
    )


def _taken(
    encoding: Encoding,
    nodes: list[NodeSnapshot],
    base: FloatArray,
    row: IntArray,
    placed: np.ndarray,
) -> tuple[list[NodeSnapshot], FloatArray]:
    """The nodes after a tier's planned pods, and when each node finishes its planned work."""
    rows = row[None, :]
    cpu = per_node_sum(encoding, rows, encoding.pod_cpu * placed)[0]
    memory = per_node_sum(encoding, rows, encoding.pod_memory * placed)[0]
    gpu = per_node_sum(encoding, rows, encoding.pod_gpu * placed)[0]
    work = per_node_sum(encoding, rows, encoding.pod_cores * encoding.pod_seconds * placed)[0]
    left = [
        replace(
            node,
            cpu_millis=node.cpu_millis - int(cpu[i]),
            memory_bytes=node.memory_bytes - int(memory[i]),
            gpu=node.gpu - int(gpu[i]),
        )
        for i, node in enumerate(nodes)
    ]
    finished: FloatArray = base + work / encoding.rate
    return left, finished
