"""Candidate filtering: one named case per exclusion reason, and the pending message."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fogcompute_operator.scheduling import (
    BRONZE,
    DEFAULT_TIERS,
    GOLD,
    PLATINUM,
    ExclusionKind,
    Tier,
    exclusion_for,
    filter_candidates,
    pending_message,
    schedule_round,
)
from fogcompute_operator.scheduling.filtering import filter_batch
from scheduling_builders import JobBuilder, NodeBuilder, make_job, make_node


@dataclass(frozen=True)
class Case:
    name: str
    job: JobBuilder
    node: NodeBuilder
    tier: Tier
    kind: ExclusionKind | None
    detail: str = ""


CASES = [
    Case("fits", make_job("a"), make_node("n"), GOLD, None),
    Case(
        "cpu",
        make_job("a").cpu(5000),
        make_node("n").cpu(4000),
        GOLD,
        ExclusionKind.INSUFFICIENT_CPU,
    ),
    Case(
        "memory",
        make_job("a").memory_mib(9000),
        make_node("n").memory_gib(8),
        GOLD,
        ExclusionKind.INSUFFICIENT_MEMORY,
    ),
    Case("gpu", make_job("a").gpu(1), make_node("n").gpu(0), GOLD, ExclusionKind.INSUFFICIENT_GPU),
    Case("gpu fits", make_job("a").gpu(1), make_node("n").gpu(1), GOLD, None),
    Case(
        "on battery",
        make_job("a"),
        make_node("e").edge(harvestable=False, reason="OnBattery"),
        GOLD,
        ExclusionKind.NOT_HARVESTABLE,
        "OnBattery",
    ),
    Case(
        "too hot",
        make_job("a"),
        make_node("e").edge(harvestable=False, reason="TooHot"),
        BRONZE,
        ExclusionKind.NOT_HARVESTABLE,
        "TooHot",
    ),
    Case("harvestable edge", make_job("a"), make_node("e").edge(harvestable=True), GOLD, None),
    Case(
        "job refuses harvest",
        make_job("a").no_harvest(),
        make_node("e").edge(),
        GOLD,
        ExclusionKind.HARVEST_NOT_ALLOWED,
        "spec.allowHarvested is false",
    ),
    Case(
        "tier refuses harvest",
        make_job("a"),
        make_node("e").edge(),
        PLATINUM,
        ExclusionKind.TIER_RULE,
        "tier platinum does not use harvested devices",
    ),
    Case(
        "tier reliability",
        make_job("a"),
        make_node("n").reliability(0.9),
        PLATINUM,
        ExclusionKind.TIER_RULE,
        "tier platinum needs reliability >= 0.95",
    ),
    Case(
        "selector",
        make_job("a").selector(zone="eu"),
        make_node("n").labels(zone="us"),
        GOLD,
        ExclusionKind.SELECTOR_MISMATCH,
        "zone=eu",
    ),
    Case(
        "selector matches",
        make_job("a").selector(zone="eu"),
        make_node("n").labels(zone="eu", x="y"),
        GOLD,
        None,
    ),
    Case(
        "taint",
        make_job("a"),
        make_node("n").taint("dedicated", "gpu"),
        GOLD,
        ExclusionKind.TAINT,
        "dedicated=gpu:NoSchedule",
    ),
    Case(
        "taint tolerated",
        make_job("a").tolerate("dedicated", "gpu"),
        make_node("n").taint("dedicated", "gpu"),
        GOLD,
        None,
    ),
    Case(
        "taint wrong value",
        make_job("a").tolerate("dedicated", "cpu"),
        make_node("n").taint("dedicated", "gpu"),
        GOLD,
        ExclusionKind.TAINT,
        "dedicated=gpu:NoSchedule",
    ),
    Case(
        "taint exists",
        make_job("a").tolerate("dedicated", operator="Exists"),
        make_node("n").taint("dedicated", "gpu"),
        GOLD,
        None,
    ),
    Case(
        "prefer no schedule",
        make_job("a"),
        make_node("n").taint("soft", effect="PreferNoSchedule"),
        GOLD,
        None,
    ),
    Case(
        "deadline",
        make_job("a").seconds(600).deadline(100),
        make_node("n").speed(2.0),
        GOLD,
        ExclusionKind.DEADLINE,
        "needs 300s, 100s left",
    ),
    Case(
        "deadline met by speed",
        make_job("a").seconds(600).deadline(400),
        make_node("n").speed(2.0),
        GOLD,
        None,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_exclusion_reason(case: Case) -> None:
    found = exclusion_for(job=case.job.build(), tier=case.tier, node=case.node.build())

    if case.kind is None:
        assert found is None
    else:
        assert found is not None
        assert (found.kind, found.detail) == (case.kind, case.detail)


def test_filter_keeps_fitting_nodes_and_records_the_others() -> None:
    nodes = [make_node("big").build(), make_node("small").cpu(100).build()]

    found = filter_candidates(job=make_job("a").build(), tier=GOLD, nodes=nodes)

    assert found.nodes == (0,)
    assert [(e.node, e.kind) for e in found.exclusions] == [
        ("small", ExclusionKind.INSUFFICIENT_CPU)
    ]


def test_filter_batch_shares_work_but_keeps_each_job() -> None:
    jobs = [make_job("a").build(), make_job("b").build(), make_job("c").cpu(9000).build()]
    nodes = [make_node("n").build()]

    found = filter_batch(jobs=jobs, tier=GOLD, nodes=nodes)

    assert [c.job.name for c in found] == ["default/a", "default/b", "default/c"]
    assert [c.nodes for c in found] == [(0,), (0,), ()]


def test_pending_message_groups_reasons_and_names_nodes() -> None:
    job = make_job("a").cpu(3000).build()
    nodes = [
        make_node("n1").cpu(1000).build(),
        make_node("n2").cpu(2000).build(),
        make_node("e1").edge(harvestable=False, reason="OnBattery").build(),
        make_node("t1").taint("dedicated", "gpu").build(),
    ]
    found = filter_candidates(job=job, tier=GOLD, nodes=nodes)

    message = pending_message(job=job, exclusions=found.exclusions, total=len(nodes))

    assert message == (
        "0/4 nodes can run a pod of default/a: 2 Insufficient cpu (n1, n2), "
        "1 NotHarvestable(OnBattery) (e1), 1 Taint(dedicated=gpu:NoSchedule) (t1)."
    )


def test_pending_message_shortens_long_node_lists() -> None:
    job = make_job("a").cpu(3000).build()
    nodes = [make_node(f"n{i}").cpu(1000).build() for i in range(5)]
    found = filter_candidates(job=job, tier=GOLD, nodes=nodes)

    message = pending_message(job=job, exclusions=found.exclusions, total=5)

    assert message.endswith("5 Insufficient cpu (n0, n1, n2, +2 more).")


def test_round_reports_pending_reasons() -> None:
    jobs = [
        make_job("nowhere").selector(zone="mars").build(),
        make_job("crowd-a").cpu(3000).replicas(1).build(),  # takes both nodes
        make_job("crowd-b").cpu(3000).replicas(1).build(),  # each pod fits, not beside crowd-a
        make_job("typo").tier("diamond").build(),
    ]
    nodes = [make_node(f"n{i}").cpu(4000).labels(zone="earth").build() for i in (1, 2)]

    result = schedule_round(jobs=jobs, nodes=nodes, tiers=DEFAULT_TIERS, budget_seconds=1, seed=1)

    reasons = {p.job: (p.reason, p.message) for p in result.pending}
    assert [(p.job, sorted(p.nodes)) for p in result.placements] == [
        ("default/crowd-a", ["n1", "n2"])
    ]
    assert reasons["default/nowhere"] == (
        "Unschedulable",
        "0/2 nodes can run a pod of default/nowhere: 2 SelectorMismatch(zone=mars) (n1, n2).",
    )
    assert reasons["default/crowd-b"][0] == "InsufficientCapacity"
    assert "all 2 pod(s) of 3000m cpu" in reasons["default/crowd-b"][1]
    assert "together on distinct nodes" in reasons["default/crowd-b"][1]
    assert reasons["default/typo"] == (
        "UnknownTier",
        "default/typo: spec.tier 'diamond' is not configured "
        "(known tiers: bronze, gold, platinum).",
    )


def test_higher_tier_takes_capacity_first() -> None:
    jobs = [
        make_job("cheap").cpu(3000).tier("bronze").build(),
        make_job("urgent").cpu(3000).tier("platinum").build(),
    ]
    nodes = [make_node("n1").cpu(4000).reliability(0.99).build()]

    result = schedule_round(jobs=jobs, nodes=nodes, tiers=DEFAULT_TIERS, budget_seconds=1, seed=1)

    assert [(p.job, p.nodes) for p in result.placements] == [("default/urgent", ("n1",))]
    assert [(p.job, p.reason) for p in result.pending] == [("default/cheap", "Unschedulable")]
    assert "1 Insufficient cpu (n1)" in result.pending[0].message


@dataclass(frozen=True)
class TooFew:
    """A job with more pods than nodes that may run them: pending, and the message says so."""

    name: str
    job: JobBuilder
    nodes: tuple[NodeBuilder, ...]
    message: str
    excluded: tuple[str, ...]
    tier: str = "gold"


TOO_FEW = [
    TooFew(
        "one replica, one node",
        make_job("a").replicas(1),
        (make_node("n1"),),
        "default/a needs 2 distinct nodes (a primary and 1 replica), only 1/1 can run its pods "
        "(n1): the cluster has no other node.",
        (),
    ),
    TooFew(
        "replicas beyond the fitting nodes",
        make_job("a").cpu(3000).replicas(3),
        (
            make_node("n1"),
            make_node("n2"),
            make_node("n3"),
            make_node("small").cpu(1000),
            make_node("e1").edge(harvestable=False, reason="OnBattery"),
        ),
        "default/a needs 4 distinct nodes (a primary and 3 replicas), only 3/5 can run its pods "
        "(n1, n2, n3): 1 Insufficient cpu (small), 1 NotHarvestable(OnBattery) (e1).",
        ("small", "e1"),
    ),
    TooFew(
        "tier rule leaves too few",
        make_job("a").replicas(2),
        (
            make_node("n1").reliability(0.99),
            make_node("n2").reliability(0.9),
            make_node("n3").reliability(0.9),
            make_node("e1").edge(),
        ),
        "default/a needs 3 distinct nodes (a primary and 2 replicas), only 1/4 can run its pods "
        "(n1): 2 TierRule(tier platinum needs reliability >= 0.95) (n2, n3), "
        "1 TierRule(tier platinum does not use harvested devices) (e1).",
        ("n2", "n3", "e1"),
        tier="platinum",
    ),
    TooFew(
        "long lists are shortened",
        make_job("a").replicas(5),
        (*(make_node(f"n{i}") for i in range(5)), make_node("t").taint("gpu")),
        "default/a needs 6 distinct nodes (a primary and 5 replicas), only 5/6 can run its pods "
        "(n0, n1, n2, +2 more): 1 Taint(gpu:NoSchedule) (t).",
        ("t",),
    ),
    TooFew(
        "no node at all keeps the per-pod message",
        make_job("a").cpu(9000).replicas(2),
        (make_node("n1"), make_node("n2")),
        "0/2 nodes can run a pod of default/a: 2 Insufficient cpu (n1, n2).",
        ("n1", "n2"),
    ),
]


@pytest.mark.parametrize("case", TOO_FEW, ids=[c.name for c in TOO_FEW])
def test_a_job_needs_as_many_distinct_nodes_as_pods(case: TooFew) -> None:
    job = case.job.tier(case.tier).build()
    nodes = [node.build() for node in case.nodes]

    result = schedule_round(jobs=[job], nodes=nodes, tiers=DEFAULT_TIERS, budget_seconds=1, seed=1)

    assert result.placements == ()
    [pending] = result.pending
    assert (pending.reason, pending.message) == ("Unschedulable", case.message)
    assert tuple(e.node for e in pending.exclusions) == case.excluded


def test_enough_counts_pods_against_candidates() -> None:
    nodes = [make_node("n1").build(), make_node("n2").build(), make_node("n3").cpu(100).build()]

    two = filter_candidates(job=make_job("a").replicas(1).build(), tier=GOLD, nodes=nodes)
    three = filter_candidates(job=make_job("a").replicas(2).build(), tier=GOLD, nodes=nodes)

    assert (two.nodes, two.enough) == ((0, 1), True)
    assert (three.nodes, three.enough) == ((0, 1), False)


def test_a_job_with_exactly_enough_nodes_gets_all_of_them() -> None:
    job = make_job("a").replicas(3).build()
    nodes = [make_node(f"n{i}").build() for i in range(4)]

    result = schedule_round(jobs=[job], nodes=nodes, tiers=DEFAULT_TIERS, budget_seconds=1, seed=1)

    [placement] = result.placements
    assert sorted(placement.nodes) == ["n0", "n1", "n2", "n3"]
