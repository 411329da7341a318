"""Admission: a round places at least as many jobs as any of its packers, kube's spread included.

Property tests over random capacity-constrained heterogeneous snapshots (more work than room,
nodes and jobs of very different shapes), plus small hand-made cases for each packer's rule.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from fogcompute_operator.scheduling import (
    ALL_OBJECTIVES,
    DEFAULT_TIERS,
    JobRequest,
    NodeSnapshot,
    OptimiserSettings,
    schedule_round,
)
from fogcompute_operator.scheduling.encoding import Encoding, encode
from fogcompute_operator.scheduling.filtering import filter_batch
from fogcompute_operator.scheduling.objectives import evaluate
from fogcompute_operator.scheduling.optimising import optimise
from fogcompute_operator.scheduling.packing import (
    PACKERS,
    Greedy,
    admit,
    first_fit_decreasing,
    least_allocated,
    pack,
)
from fogcompute_operator.scheduling.repairing import doubled
from fogcompute_operator.scheduling.seeding import greedy, initial_population
from hypothesis import given, settings
from hypothesis import strategies as st
from scheduling_builders import make_job, make_node

FEW_GENERATIONS = OptimiserSettings(max_generations=10, pop_size=40)


def _encoded(jobs: list[JobRequest], nodes: list[NodeSnapshot]) -> Encoding:
    found = filter_batch(jobs=jobs, tier=DEFAULT_TIERS["gold"], nodes=nodes)
    kept = [c for c in found if c.enough]
    return encode(jobs=[c.job for c in kept], candidates=[c.nodes for c in kept], nodes=nodes)


def _admitted(
    jobs: list[JobRequest], nodes: list[NodeSnapshot]
) -> tuple[Encoding, Greedy, Encoding]:
    """The batch's encoding, its admission, and the encoding of the admitted jobs alone (what
    the round hands to seeding and the search)."""
    found = [
        c for c in filter_batch(jobs=jobs, tier=DEFAULT_TIERS["gold"], nodes=nodes) if c.enough
    ]
    full = encode(jobs=[c.job for c in found], candidates=[c.nodes for c in found], nodes=nodes)
    admitted = admit(full)
    kept = [c for c, placed in zip(found, admitted.placed, strict=True) if placed]
    sub = encode(jobs=[c.job for c in kept], candidates=[c.nodes for c in kept], nodes=nodes)
    return full, admitted, sub


def constrained_snapshot(seed: int) -> tuple[list[JobRequest], list[NodeSnapshot]]:
    """Nodes from 1 to 16 cores with unrelated memory, jobs from a quarter core to 6 cores with
    up to 3 replicas, asking 1.2-2.5x the cluster's cpu: not everything fits."""
    rng = np.random.default_rng(seed)
    nodes = []
    for i in range(int(rng.integers(4, 16))):
        speed = float(rng.uniform(0.3, 3.0))
        node = (
            make_node(f"n{i:02d}")
            .cpu(int(rng.choice([1000, 2000, 4000, 8000, 16000])))
            .memory_gib(float(rng.choice([1, 2, 4, 8, 16, 32])))
            .speed(speed)
            .latency(float(rng.uniform(1, 100)))
            .energy(float(rng.uniform(2, 30)))
            .price(float(speed * rng.uniform(0.2, 2.0) * 1e-4))
            .reliability(float(rng.uniform(0.85, 0.999)))
        )
        nodes.append((node.edge() if rng.random() < 0.3 else node).build())
    capacity = sum(n.cpu_millis for n in nodes)
    target = capacity * float(rng.uniform(1.2, 2.5))
    jobs: list[JobRequest] = []
    while sum(j.cpu_millis * j.pod_count for j in jobs) < target:
        jobs.append(
            make_job(f"j{len(jobs):03d}")
            .cpu(int(rng.choice([250, 500, 1000, 2000, 4000, 6000])))
            .memory_mib(int(rng.choice([128, 512, 2048, 8192])))
            .replicas(int(rng.integers(0, 4)))
            .seconds(float(rng.uniform(10, 900)))
            .build()
        )
    return jobs, nodes


def _fits(encoding: Encoding, genes: np.ndarray) -> bool:
    if encoding.n_pods == 0:  # nothing admitted: nothing to overflow
        return True
    nodes = encoding.nodes_of(genes[None, :])
    _, constraints = evaluate(encoding, nodes)
    return bool(np.all(constraints <= 0.0)) and not bool(doubled(encoding, nodes).any())


def _placed_rows(encoding: Encoding, result: Greedy) -> np.ndarray:
    """The genes of the placed jobs only, as the round hands them to the search."""
    return result.genes[result.placed[encoding.pod_job]]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_admission_places_at_least_what_every_packer_places(seed: int) -> None:
    jobs, nodes = constrained_snapshot(seed)

    encoding, admitted, sub = _admitted(jobs, nodes)

    for packer in PACKERS:
        alone = pack(encoding, packer)
        assert admitted.jobs_placed >= alone.jobs_placed, packer
    assert admitted.jobs_placed >= least_allocated(encoding).jobs_placed
    assert admitted.jobs_placed >= first_fit_decreasing(encoding).jobs_placed
    assert _fits(sub, _placed_rows(encoding, admitted))


def test_admission_beats_mct_on_some_constrained_snapshots() -> None:
    # Otherwise the property above would hold for MCT alone and prove nothing about packing.
    gains: Counter[int] = Counter()
    for seed in range(40):
        encoding = _encoded(*constrained_snapshot(seed))
        gains[admit(encoding).jobs_placed - greedy(encoding, "completion").jobs_placed] += 1

    assert sum(count for gain, count in gains.items() if gain > 0) >= 5, gains
    assert all(gain >= 0 for gain in gains), gains


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_search_from_the_admitted_jobs_keeps_every_one_placed(seed: int) -> None:
    # What the round does after admission: seed and search the admitted jobs only. The capacity
    # constraint makes any individual that drops or overflows infeasible, so the whole front
    # places every admitted job: placed work comes first, the objectives only after.
    full, admitted, encoding = _admitted(*constrained_snapshot(seed))
    rng = np.random.default_rng(seed)
    initial, _ = initial_population(
        encoding=encoding,
        pop_size=FEW_GENERATIONS.pop_size,
        rng=rng,
        previous=None,
        mct=_placed_rows(full, admitted),
    )

    outcome = optimise(
        encoding=encoding,
        initial=initial,
        settings=FEW_GENERATIONS,
        budget_seconds=30.0,
        seed=seed,
    )

    assert outcome.feasible
    assert outcome.front_objectives.shape[1] == len(ALL_OBJECTIVES)
    for genes in outcome.front_genes:
        assert _fits(encoding, genes)


def test_first_fit_decreasing_places_the_large_job_that_mct_leaves_pending() -> None:
    # MCT puts the small job on the fast node first; the large one then fits nowhere.
    jobs = [make_job("small").cpu(2000).build(), make_job("large").cpu(4000).build()]
    nodes = [make_node("fast").cpu(4000).speed(2.0).build(), make_node("slow").cpu(2000).build()]
    encoding = _encoded(jobs, nodes)

    mct = greedy(encoding, "completion")
    ffd = first_fit_decreasing(encoding)
    admitted = admit(encoding)

    assert mct.placed.tolist() == [True, False]
    assert ffd.placed.tolist() == [True, True]
    assert encoding.nodes_of(ffd.genes[None, :])[0].tolist() == [1, 0]
    assert (admitted.jobs_placed, admitted.packer) == (2, "first_fit_decreasing")


def test_least_allocated_spreads_like_kube_scheduler() -> None:
    # LeastAllocated prefers the emptiest node relative to its size; BalancedAllocation the
    # node whose cpu and memory shares stay closest. n1 is half as full as n0 after the pod.
    jobs = [make_job("a").cpu(1000).memory_mib(1024).build()]
    nodes = [
        make_node("n0").cpu(2000).memory_gib(2).speed(4.0).build(),
        make_node("n1").cpu(4000).memory_gib(4).build(),
        make_node("n2").cpu(8000).memory_gib(1.5).build(),  # roomier cpu, but lopsided
    ]
    encoding = _encoded(jobs, nodes)

    chosen = least_allocated(encoding)

    assert encoding.nodes_of(chosen.genes[None, :])[0].tolist() == [1]


def test_admission_prefers_earlier_jobs_when_counts_tie() -> None:
    # One slot: every packer places one job; the batch's order (deadlines first) decides.
    jobs = [make_job("first").cpu(1000).build(), make_job("second").cpu(3000).build()]
    nodes = [make_node("only").cpu(3000).memory_gib(8).build()]
    encoding = _encoded(jobs, nodes)

    admitted = admit(encoding)

    assert admitted.placed.tolist() == [True, False]


def test_energy_packer_gives_the_frugal_node_to_the_longest_job() -> None:
    # One frugal slot: the 900 s job saves nine times what the 100 s job would.
    jobs = [make_job("short").seconds(100).build(), make_job("long").seconds(900).build()]
    nodes = [make_node("frugal").cpu(500).energy(2).build(), make_node("dear").energy(20).build()]
    encoding = _encoded(jobs, nodes)

    result = pack(encoding, "energy")

    assert encoding.nodes_of(result.genes[None, :])[0].tolist() == [1, 0]


def test_a_horizon_keeps_pods_off_nodes_that_would_finish_late() -> None:
    # The frugal node is slow: 600 s there, 150 s on the fast one.
    jobs = [make_job("a").cpu(1000).seconds(300).build()]
    nodes = [
        make_node("slow").cpu(1000).speed(0.5).energy(2).build(),
        make_node("fast").cpu(1000).speed(2.0).energy(20).build(),
    ]
    encoding = _encoded(jobs, nodes)

    free = pack(encoding, "energy")
    bounded = pack(encoding, "energy", horizon=200.0)
    impossible = pack(encoding, "energy", horizon=10.0)

    assert encoding.nodes_of(free.genes[None, :])[0].tolist() == [0]
    assert encoding.nodes_of(bounded.genes[None, :])[0].tolist() == [1]
    # No node finishes in time: the horizon is a preference, the packer's rule decides.
    assert encoding.nodes_of(impossible.genes[None, :])[0].tolist() == [0]


def test_a_round_places_at_least_what_each_packer_places() -> None:
    shortfalls = {}
    for seed in range(12):
        jobs, nodes = constrained_snapshot(seed)
        encoding = _encoded(jobs, nodes)

        result = schedule_round(
            jobs=jobs,
            nodes=nodes,
            tiers=DEFAULT_TIERS,
            budget_seconds=30.0,
            seed=seed,
            settings=FEW_GENERATIONS,
        )

        best = max(pack(encoding, packer).jobs_placed for packer in PACKERS)
        assert best >= least_allocated(encoding).jobs_placed
        if len(result.placements) < best:
            shortfalls[seed] = (len(result.placements), best)
    assert not shortfalls, shortfalls
