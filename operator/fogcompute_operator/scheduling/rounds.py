"""A scheduling round: the public entry of the scheduling library.

The FogJob controller batches pending jobs, snapshots nodes and calls `schedule_round` (or
`schedule_round_in_pool` from the event loop). Tiers go in priority order, each seeing the
capacity the tiers before it left (and, when capacity is short, less the room the round's plan
holds for the tiers after it: see planning): filter, admit the most jobs any packer places (a
job gets all its pods, on distinct nodes, or waits), seed, optimise within its share of the
budget, choose by the tier's weights, record. The round never talks to Kubernetes and never
blocks an event loop: the pool helper runs it in a worker process, so every input and output is
a picklable value.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace

import numpy as np

from fogcompute_operator.scheduling import recording
from fogcompute_operator.scheduling.choosing import choose, hypervolume
from fogcompute_operator.scheduling.encoding import Encoding, FloatArray, encode
from fogcompute_operator.scheduling.filtering import filter_batch, pending_message
from fogcompute_operator.scheduling.models import JobRequest, NodeSnapshot, OptimiserSettings, Tier
from fogcompute_operator.scheduling.objectives import (
    OBJECTIVE_COLUMN,
    evaluate,
    node_completion,
    per_node_sum,
)
from fogcompute_operator.scheduling.optimising import Outcome, optimise
from fogcompute_operator.scheduling.packing import admit
from fogcompute_operator.scheduling.planning import (
    RoundPlan,
    plan_round,
    planned_admission,
    reserving,
)
from fogcompute_operator.scheduling.records import (
    PendingJob,
    Placement,
    PopulationMemory,
    RoundRecord,
    RoundResult,
    TierRound,
)
from fogcompute_operator.scheduling.seeding import initial_population, random_genes
from fogcompute_operator.scheduling.tiers import by_priority

_RESERVE = 0.03  # share of the optimiser's time left for choosing and recording


def schedule_round(
    *,
    jobs: Sequence[JobRequest],
    nodes: Sequence[NodeSnapshot],
    tiers: Mapping[str, Tier],
    budget_seconds: float,
    seed: int,
    previous: PopulationMemory | None = None,
    settings: OptimiserSettings = OptimiserSettings(),  # noqa: B008 - frozen value
) -> RoundResult:
    """Place what fits of `jobs` on `nodes` within `budget_seconds` of optimiser time."""
    started = time.perf_counter()
    state = _State(nodes=list(nodes), base_seconds=np.zeros(len(nodes)))
    groups: dict[str, list[JobRequest]] = {}
    for job in jobs:
        if job.tier in tiers:
            groups.setdefault(job.tier, []).append(job)
        else:
            state.pending.append(_unknown_tier(job, tiers))
    pods_left = sum(job.pod_count for group in groups.values() for job in group)
    ordered = by_priority(tiers[name] for name in groups)
    batches = [(tier, sorted(groups[tier.name], key=_admission_order)) for tier in ordered]
    plan = plan_round(batches=batches, nodes=nodes)
    for index, (tier, group) in enumerate(batches):
        pods = sum(job.pod_count for job in group)
        now = time.perf_counter()
        remaining = max(started + budget_seconds - now, 0.0)
        context = _TierContext(
            tier=tier,
            seed=int(np.random.SeedSequence([seed, index]).generate_state(1)[0]),
            deadline=now + remaining * pods / max(pods_left, 1),
            settings=settings,
            previous=previous,
            plan=plan,
            later=tuple(later.name for later, _ in batches[index + 1 :]),
        )
        _run_tier(state, group, context, round_seed=seed)
        pods_left -= pods
    record = RoundRecord(
        seed=seed,
        budget_seconds=budget_seconds,
        seconds=time.perf_counter() - started,
        objectives=tuple(o.value for o in settings.objectives),
        tiers=tuple(state.tier_rounds),
    )
    names = tuple(node.name for node in nodes)
    return RoundResult(
        placements=tuple(state.placements),
        pending=tuple(state.pending),
        record=record,
        population=recording.memory(state.memory, node_names=names),
    )


async def schedule_round_in_pool(
    executor: Executor,
    *,
    jobs: Sequence[JobRequest],
    nodes: Sequence[NodeSnapshot],
    tiers: Mapping[str, Tier],
    budget_seconds: float,
    seed: int,
    previous: PopulationMemory | None = None,
    settings: OptimiserSettings = OptimiserSettings(),  # noqa: B008 - frozen value
) -> RoundResult:
    """`schedule_round` in `executor` (see `pooling.make_pool`), awaited without blocking."""
    call = functools.partial(
        schedule_round,
        jobs=tuple(jobs),
        nodes=tuple(nodes),
        tiers=dict(tiers),
        budget_seconds=budget_seconds,
        seed=seed,
        previous=previous,
        settings=settings,
    )
    return await asyncio.get_running_loop().run_in_executor(executor, call)


@dataclass(frozen=True)
class _TierContext:
    tier: Tier
    seed: int
    deadline: float  # time.perf_counter() by which this tier's share must be done
    settings: OptimiserSettings
    previous: PopulationMemory | None
    plan: RoundPlan
    later: tuple[str, ...]  # the tiers after this one: the plan's room held for them


@dataclass
class _State:
    """What the tiers of one round hand on to each other (mutable, local to a round)."""

    nodes: list[NodeSnapshot]
    base_seconds: FloatArray
    placements: list[Placement] = field(default_factory=list)
    pending: list[PendingJob] = field(default_factory=list)
    tier_rounds: list[TierRound] = field(default_factory=list)
    memory: list[tuple[tuple[str, ...], np.ndarray]] = field(default_factory=list)


def _run_tier(
    state: _State, group: list[JobRequest], context: _TierContext, *, round_seed: int
) -> None:
    tier = context.tier
    fitting, candidates = [], []
    visible = reserving(state.nodes, context.plan, tiers=context.later)
    filtered = filter_batch(jobs=group, tier=tier, nodes=visible)
    for job, found in zip(group, filtered, strict=True):
        if found.enough:
            fitting.append(job)
            candidates.append(found.nodes)
        else:
            message = pending_message(
                job=job,
                exclusions=found.exclusions,
                total=len(state.nodes),
                kept=[visible[i].name for i in found.nodes],
            )
            state.pending.append(
                PendingJob(job.name, job.uid, tier.name, "Unschedulable", message, found.exclusions)
            )
    encoding = encode(
        jobs=fitting, candidates=candidates, nodes=visible, base_seconds=state.base_seconds
    )
    planned = planned_admission(encoding, plan=context.plan, tier=tier.name)
    admission = admit(encoding, planned=planned)
    for i in np.flatnonzero(~admission.placed):
        state.pending.append(_no_room(fitting[i], tier, len(candidates[i])))
    kept = np.flatnonzero(admission.placed)
    if kept.size == 0:
        return
    # Same candidate lists per job, so the admitted jobs' MCT genes carry over unchanged.
    mct = admission.genes[admission.placed[encoding.pod_job]]
    encoding = encode(
        jobs=[fitting[i] for i in kept],
        candidates=[candidates[i] for i in kept],
        nodes=visible,
        base_seconds=state.base_seconds,
    )
    outcome, seeds = _search(encoding, mct, context)
    columns = [OBJECTIVE_COLUMN[o] for o in context.settings.objectives]
    front = outcome.front_objectives[:, columns]
    choice = choose(front, objectives=context.settings.objectives, weights=tier.weights)
    everything = outcome.population_objectives[:, columns]
    volume = hypervolume(front, ideal=everything.min(axis=0), nadir=everything.max(axis=0))
    summary = recording.FrontSummary(size=len(front), hypervolume=volume, seed=round_seed)
    state.placements += recording.placements(
        encoding=encoding, outcome=outcome, choice=choice, tier=tier, summary=summary
    )
    state.tier_rounds.append(
        TierRound(
            tier=tier.name,
            jobs=len(encoding.jobs),
            pods=encoding.n_pods,
            algorithm=outcome.algorithm,
            generations=outcome.generations,
            seconds=outcome.seconds,
            budget_seconds=outcome.budget_seconds,
            stopped_by=outcome.stopped_by,
            feasible=outcome.feasible,
            front_size=len(front),
            hypervolume=volume,
            seeds=seeds,
            front=tuple(tuple(float(v) for v in row) for row in front),
        )
    )
    state.memory.append((encoding.pod_keys, encoding.nodes_of(outcome.population)))
    _consume(state, encoding, encoding.nodes_of(outcome.front_genes[choice.index]))


def _search(
    encoding: Encoding, mct: np.ndarray, context: _TierContext
) -> tuple[Outcome, dict[str, int]]:
    settings = context.settings
    if bool(np.all(encoding.n_candidates == 1)):
        return _trivial(encoding, mct), {"greedy": 1}
    rng = np.random.default_rng(context.seed)
    if settings.seeded:
        initial, seeds = initial_population(
            encoding=encoding,
            pop_size=settings.pop_size,
            rng=rng,
            previous=context.previous,
            mct=mct,
        )
    else:
        initial = np.stack(random_genes(encoding, settings.pop_size, rng=rng))
        seeds = {"random": settings.pop_size}
    # Filtering and seeding came out of the tier's share; keep a sliver for choosing/recording.
    left = context.deadline - time.perf_counter()
    outcome = optimise(
        encoding=encoding,
        initial=initial,
        settings=settings,
        budget_seconds=max(left * (1.0 - _RESERVE), 1e-3),
        seed=context.seed,
    )
    if not outcome.feasible:
        # Only an unseeded search can end here (MCT's admission placement fits by
        # construction): never hand out a placement that overflows a node.
        mct_objectives, _ = evaluate(encoding, encoding.nodes_of(mct[None, :]))
        outcome = replace(outcome, front_genes=mct[None, :], front_objectives=mct_objectives)
    return outcome, seeds


def _trivial(encoding: Encoding, genes: np.ndarray) -> Outcome:
    objectives, _ = evaluate(encoding, encoding.nodes_of(genes[None, :]))
    return Outcome(
        front_genes=genes[None, :],
        front_objectives=objectives,
        feasible=True,
        population=genes[None, :],
        population_objectives=objectives,
        seconds=0.0,
        budget_seconds=0.0,
        generations=0,
        stopped_by="trivial",
        algorithm="none",
    )


def _consume(state: _State, encoding: Encoding, row: np.ndarray) -> None:
    """Take the chosen placement's resources and work out of what later tiers see."""
    row = row[None, :]
    cpu = per_node_sum(encoding, row, encoding.pod_cpu)[0]
    memory = per_node_sum(encoding, row, encoding.pod_memory)[0]
    gpu = per_node_sum(encoding, row, encoding.pod_gpu)[0]
    state.base_seconds = node_completion(encoding, row)[0]
    state.nodes = [
        replace(
            node,
            cpu_millis=node.cpu_millis - int(cpu[i]),
            memory_bytes=node.memory_bytes - int(memory[i]),
            gpu=node.gpu - int(gpu[i]),
        )
        for i, node in enumerate(state.nodes)
    ]


def _admission_order(job: JobRequest) -> tuple[float, str]:
    deadline = job.seconds_to_deadline
    return (float("inf") if deadline is None else deadline, job.name)


def _unknown_tier(job: JobRequest, tiers: Mapping[str, Tier]) -> PendingJob:
    known = ", ".join(sorted(tiers)) or "none"
    message = f"{job.name}: spec.tier {job.tier!r} is not configured (known tiers: {known})."
    return PendingJob(job.name, job.uid, job.tier, "UnknownTier", message)


def _no_room(job: JobRequest, tier: Tier, n_candidates: int) -> PendingJob:
    message = (
        f"{job.name}: {n_candidates} node(s) pass the filters but this round has no room for "
        f"all {job.pod_count} pod(s) of {job.cpu_millis}m cpu, {job.memory_bytes} bytes memory, "
        f"{job.gpu} gpu together on distinct nodes (jobs of higher tiers or earlier deadlines "
        "came first); retried next round."
    )
    return PendingJob(job.name, job.uid, tier.name, "InsufficientCapacity", message)
