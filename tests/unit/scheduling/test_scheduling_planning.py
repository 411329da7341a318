"""The round's admission plan: across tiers, at least the jobs of the best tiered packer.

Property tests over random capacity-constrained snapshots with platinum, gold and bronze jobs:
the plan beats every packer run tier by tier, and a round that holds the plan's room for later
tiers (`reserving`) and offers each tier its planned placement (`planned_admission`) ends with
at least the plan's jobs, whatever feasible placement each tier then keeps.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from fogcompute_operator.scheduling import (
    DEFAULT_TIERS,
    JobRequest,
    NodeSnapshot,
    OptimiserSettings,
    Tier,
    schedule_round,
)
from fogcompute_operator.scheduling.encoding import Encoding, encode
from fogcompute_operator.scheduling.filtering import filter_batch
from fogcompute_operator.scheduling.objectives import per_node_sum
from fogcompute_operator.scheduling.packing import PACKERS, Greedy, admit
from fogcompute_operator.scheduling.planning import (
    RoundPlan,
    plan_round,
    planned_admission,
    reserving,
)
from fogcompute_operator.scheduling.tiers import by_priority
from hypothesis import given, settings
from hypothesis import strategies as st
from scheduling_builders import make_job, make_node
from test_scheduling_packing import constrained_snapshot

TIER_NAMES = ("platinum", "gold", "bronze")
Batches = list[tuple[Tier, list[JobRequest]]]


def tiered_snapshot(seed: int) -> tuple[Batches, list[NodeSnapshot]]:
    """`constrained_snapshot` with its jobs spread over the three tiers, in round order."""
    jobs, nodes = constrained_snapshot(seed)
    rng = np.random.default_rng(seed + 1)
    tiered = [replace(job, tier=str(rng.choice(TIER_NAMES))) for job in jobs]
    return _batches(tiered), nodes


def _batches(jobs: list[JobRequest]) -> Batches:
    names = {job.tier for job in jobs}
    return [
        (tier, sorted((j for j in jobs if j.tier == tier.name), key=lambda j: j.name))
        for tier in by_priority(DEFAULT_TIERS[name] for name in names)
    ]


def _tier_encoding(
    tier: Tier, jobs: list[JobRequest], nodes: list[NodeSnapshot]
) -> tuple[Encoding, list[JobRequest]]:
    found = [c for c in filter_batch(jobs=jobs, tier=tier, nodes=nodes) if c.enough]
    kept = [c.job for c in found]
    return encode(jobs=kept, candidates=[c.nodes for c in found], nodes=nodes), kept


def _round_like(batches: Batches, nodes: list[NodeSnapshot], plan: RoundPlan) -> int:
    """What rounds does with a plan, keeping each tier's admitted placement as its choice."""
    left, placed = list(nodes), 0
    for index, (tier, jobs) in enumerate(batches):
        later = [t.name for t, _ in batches[index + 1 :]]
        visible = reserving(left, plan, tiers=later)
        encoding, _ = _tier_encoding(tier, jobs, visible)
        planned = planned_admission(encoding, plan=plan, tier=tier.name)
        admitted = admit(encoding, planned=planned)
        assert _fits(encoding, admitted)
        placed += admitted.jobs_placed
        left = _after(left, encoding, admitted)
    return placed


def _fits(encoding: Encoding, result: Greedy) -> bool:
    """Whether the placed pods of `result` stay within every node's free capacity."""
    pods = result.placed[encoding.pod_job]
    rows = encoding.nodes_of(result.genes[None, :])
    return all(
        bool(np.all(per_node_sum(encoding, rows, demand * pods)[0] <= free + 1e-9))
        for demand, free in (
            (encoding.pod_cpu, encoding.free_cpu),
            (encoding.pod_memory, encoding.free_memory),
            (encoding.pod_gpu, encoding.free_gpu),
        )
    )


def _after(nodes: list[NodeSnapshot], encoding: Encoding, result: Greedy) -> list[NodeSnapshot]:
    pods = result.placed[encoding.pod_job]
    rows = encoding.nodes_of(result.genes[None, :])
    cpu = per_node_sum(encoding, rows, encoding.pod_cpu * pods)[0]
    memory = per_node_sum(encoding, rows, encoding.pod_memory * pods)[0]
    return [
        replace(
            n, cpu_millis=n.cpu_millis - int(cpu[i]), memory_bytes=n.memory_bytes - int(memory[i])
        )
        for i, n in enumerate(nodes)
    ]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_the_plan_places_at_least_every_tiered_packer(seed: int) -> None:
    batches, nodes = tiered_snapshot(seed)

    plan = plan_round(batches=batches, nodes=nodes)

    for packer in PACKERS:
        alone = plan_round(batches=batches, nodes=nodes, packers=(packer,))
        assert plan.placed_jobs >= alone.placed_jobs, packer


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_holding_the_plans_room_keeps_at_least_the_plans_jobs(seed: int) -> None:
    batches, nodes = tiered_snapshot(seed)
    plan = plan_round(batches=batches, nodes=nodes)

    assert _round_like(batches, nodes, plan) >= plan.placed_jobs


def test_nothing_is_held_when_everything_fits() -> None:
    jobs = [make_job("p").tier("platinum").build(), make_job("b").tier("bronze").build()]
    nodes = [make_node("n0").build(), make_node("n1").build()]

    plan = plan_round(batches=_batches(jobs), nodes=nodes)

    assert (plan.packer, plan.placed_jobs, plan.reserve) == ("completion", 2, False)
    assert reserving(nodes, plan, tiers=["bronze"]) == nodes


def test_a_higher_tier_leaves_the_room_a_later_tier_needs() -> None:
    # The large bronze job fits only on "big"; platinum, left alone, takes "big" first (MCT:
    # it is the fastest). The plan places both, so platinum sees "big" less bronze's share.
    jobs = [
        make_job("quick").tier("platinum").cpu(2000).build(),
        make_job("large").tier("bronze").cpu(4000).build(),
    ]
    nodes = [
        make_node("big").cpu(4000).speed(2.0).reliability(0.999).build(),
        make_node("small").cpu(2000).reliability(0.999).build(),
    ]
    batches = _batches(jobs)
    mct = plan_round(batches=batches, nodes=nodes, packers=("completion",))

    plan = plan_round(batches=batches, nodes=nodes)
    platinum_view = reserving(nodes, plan, tiers=["bronze"])

    assert mct.placed_jobs == 1
    assert (plan.placed_jobs, plan.reserve) == (2, True)
    assert [n.cpu_millis for n in platinum_view] == [0, 2000]
    assert _round_like(batches, nodes, plan) == 2


def test_a_planned_pod_off_its_candidates_drops_its_job_from_the_plan() -> None:
    jobs = [make_job("a").tier("gold").build(), make_job("b").tier("gold").build()]
    nodes = [make_node("n0").build(), make_node("n1").build()]
    plan = replace(
        plan_round(batches=_batches(jobs), nodes=nodes, packers=("completion",)), reserve=True
    )
    only_n1 = encode(jobs=jobs, candidates=[[1], [1]], nodes=nodes)

    mapped = planned_admission(only_n1, plan=plan, tier="gold")
    unreserved = planned_admission(only_n1, plan=replace(plan, reserve=False), tier="gold")

    assert mapped is not None
    planned_nodes = [plan.tiers["gold"].nodes_of[j.uid][0] for j in jobs]
    assert sorted(planned_nodes) == [0, 1]
    assert mapped.placed.tolist() == [n == 1 for n in planned_nodes]
    assert mapped.genes.tolist() == [0, 0]  # n1 is candidate 0 of both; unplaced genes are 0
    assert unreserved is None


def test_a_round_of_several_tiers_places_at_least_every_tiered_packer() -> None:
    shortfalls = {}
    for seed in range(16):
        batches, nodes = tiered_snapshot(seed)
        jobs = [job for _, group in batches for job in group]

        result = schedule_round(
            jobs=jobs,
            nodes=nodes,
            tiers=DEFAULT_TIERS,
            budget_seconds=30.0,
            seed=seed,
            settings=OptimiserSettings(max_generations=5, pop_size=30),
        )

        best = max(
            plan_round(batches=batches, nodes=nodes, packers=(p,)).placed_jobs for p in PACKERS
        )
        if len(result.placements) < best:
            shortfalls[seed] = (len(result.placements), best)
    assert not shortfalls, shortfalls
