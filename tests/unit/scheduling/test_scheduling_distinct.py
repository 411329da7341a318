"""A job's pods on distinct nodes: the repair, the greedy seeds, the initial population, rounds."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

import numpy as np
import pytest
from fogcompute_operator.scheduling import (
    DEFAULT_TIERS,
    JobRequest,
    NodeSnapshot,
    OptimiserSettings,
    PopulationMemory,
    RoundResult,
    schedule_round,
)
from fogcompute_operator.scheduling.encoding import Encoding, encode
from fogcompute_operator.scheduling.filtering import filter_batch
from fogcompute_operator.scheduling.repairing import doubled, repair
from fogcompute_operator.scheduling.seeding import CRITERIA, blends, greedy, initial_population
from hypothesis import given, settings
from hypothesis import strategies as st
from scheduling_builders import make_job, make_node, random_cluster

SHORT = OptimiserSettings(max_generations=8)


def _encoded(jobs: list[JobRequest], nodes: list[NodeSnapshot]) -> Encoding:
    found = filter_batch(jobs=jobs, tier=DEFAULT_TIERS["gold"], nodes=nodes)
    kept = [c for c in found if c.enough]
    return encode(jobs=[c.job for c in kept], candidates=[c.nodes for c in kept], nodes=nodes)


def test_repair_moves_a_doubled_pod_to_the_best_free_candidate() -> None:
    jobs = [make_job("a").replicas(2).build(), make_job("b").seconds(120).build()]
    nodes = [
        make_node("n0").build(),
        make_node("n1").build(),  # holds b: finishes a pod of a at (60 + 30) / 4 = 22.5 s
        make_node("n2").cpu(400).speed(4.0).build(),  # fastest, but no room for 500m
        make_node("n3").speed(0.5).build(),  # 30 / 2 = 15 s
    ]
    encoding = encode(jobs=jobs, candidates=[range(4), range(4)], nodes=nodes)
    genes = np.array([[0, 0, 0, 1], [0, 3, 1, 2]])

    repaired = repair(encoding, genes)

    assert repaired[0].tolist() == [0, 3, 1, 1]  # earliest finish with room first, then next
    assert repaired[1].tolist() == genes[1].tolist()  # nothing doubled: untouched
    assert not doubled(encoding, encoding.nodes_of(repaired)).any()


def test_doubled_marks_only_the_later_pods_of_one_job() -> None:
    jobs = [make_job("a").replicas(2).build(), make_job("b").replicas(1).build()]
    nodes = [make_node(f"n{i}").build() for i in range(3)]
    encoding = encode(jobs=jobs, candidates=[range(3), range(3)], nodes=nodes)

    # b's first pod shares n2 with a's last pod: another job, so allowed.
    found = doubled(encoding, np.array([[1, 0, 2, 2, 2], [1, 1, 1, 0, 1]]))

    assert found.tolist() == [
        [False, False, False, False, True],
        [False, True, True, False, False],
    ]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), tight=st.booleans())
def test_repair_leaves_no_doubled_pod_and_keeps_the_rest(seed: int, tight: bool) -> None:
    rng = np.random.default_rng(seed)
    n_nodes = 6 if tight else 12
    jobs = [make_job(f"j{i}").replicas(int(rng.integers(0, 6))).build() for i in range(8)]
    nodes = [make_node(f"n{i}").speed(float(rng.uniform(0.5, 2))).build() for i in range(n_nodes)]
    # Each job gets a random candidate list no shorter than its pods: often exactly as long.
    candidates = [
        sorted(rng.choice(n_nodes, size=int(rng.integers(j.pod_count, n_nodes + 1)), replace=False))
        for j in jobs
    ]
    encoding = encode(jobs=jobs, candidates=candidates, nodes=nodes)
    genes = np.floor(rng.random((20, encoding.n_pods)) * encoding.n_candidates).astype(np.int64)

    repaired = repair(encoding, genes)

    was_doubled = doubled(encoding, encoding.nodes_of(genes))
    assert not doubled(encoding, encoding.nodes_of(repaired)).any()
    assert np.array_equal(repaired[~was_doubled], genes[~was_doubled])
    assert np.all((repaired >= 0) & (repaired < encoding.n_candidates))
    assert np.array_equal(repair(encoding, genes), repaired)  # no randomness


@pytest.mark.parametrize("criterion", CRITERIA)
def test_greedy_seeds_never_double_a_node(criterion: str) -> None:
    jobs, nodes = random_cluster(n_jobs=40, n_nodes=6, seed=4, max_replicas=5)
    encoding = _encoded(jobs, nodes)

    result = greedy(encoding, criterion)  # type: ignore[arg-type]

    placed_pods = result.placed[encoding.pod_job]
    assert result.placed.any()
    assert not doubled(encoding, encoding.nodes_of(result.genes[None, :]))[0, placed_pods].any()


def test_initial_population_is_distinct_even_from_a_doubled_memory() -> None:
    jobs, nodes = random_cluster(n_jobs=30, n_nodes=8, seed=2, max_replicas=4)
    admitted = greedy(_encoded(jobs, nodes), "completion")
    encoding = _encoded([job for job, ok in zip(jobs, admitted.placed, strict=True) if ok], nodes)
    mct = greedy(encoding, "completion")  # as rounds do: MCT of the admitted jobs only
    assert mct.placed.all()
    # A memory from before the rule: every pod of every job on one node, varying by row.
    rows = np.arange(12)[:, None] % len(nodes) + np.zeros((1, encoding.n_pods), dtype=np.int64)
    memory = PopulationMemory(
        pod_keys=encoding.pod_keys,
        node_names=tuple(n.name for n in nodes),
        assignments=rows.astype(np.int32),
    )

    population, counts = initial_population(
        encoding=encoding,
        pop_size=60,
        rng=np.random.default_rng(1),
        previous=memory,
        mct=mct.genes,
    )

    assert counts["previous"] > 0
    assert counts["blended"] > 0
    assert counts["random"] > 0
    assert not doubled(encoding, encoding.nodes_of(population)).any()


def test_blends_take_each_job_whole_from_one_of_two_seeds() -> None:
    jobs, nodes = random_cluster(n_jobs=12, n_nodes=8, seed=5, max_replicas=4)
    encoding = _encoded(jobs, nodes)
    mct, energy = greedy(encoding, "completion"), greedy(encoding, "energy")
    assert mct.placed.all()
    thrifty = np.where(energy.placed[encoding.pod_job], energy.genes, mct.genes)
    seeds = np.stack([mct.genes, thrifty])

    mixed = np.stack(blends(encoding, seeds, 30, rng=np.random.default_rng(3)))

    starts = np.searchsorted(encoding.pod_job, np.arange(len(encoding.jobs) + 1))
    parts = [slice(starts[i], starts[i + 1]) for i in range(len(encoding.jobs))]
    shares = []
    for row in mixed:
        from_first = [np.array_equal(row[p], seeds[0][p]) for p in parts]
        from_second = [np.array_equal(row[p], seeds[1][p]) for p in parts]
        assert all(a or b for a, b in zip(from_first, from_second, strict=True))
        shares.append(np.mean(from_second))
    assert min(shares) < 0.3 < 0.7 < max(shares)  # mixes spread between the two extremes
    assert not doubled(encoding, encoding.nodes_of(mixed)).any()


def _assert_distinct_and_within_capacity(
    result: RoundResult, jobs: list[JobRequest], nodes: list[NodeSnapshot]
) -> None:
    by_name = {job.name: job for job in jobs}
    used: dict[str, Counter[str]] = defaultdict(Counter)
    for placement in result.placements:
        job = by_name[placement.job]
        assert len(placement.nodes) == job.pod_count
        assert len(set(placement.nodes)) == job.pod_count, placement
        for alternative in placement.record.alternatives:
            assert len(set(alternative.nodes)) == job.pod_count, alternative
        for node in placement.nodes:
            used[node].update(cpu=job.cpu_millis, memory=job.memory_bytes, gpu=job.gpu)
    for node in nodes:
        assert used[node.name]["cpu"] <= node.cpu_millis, node.name
        assert used[node.name]["memory"] <= node.memory_bytes, node.name
        assert used[node.name]["gpu"] <= node.gpu, node.name


def _assert_memory_distinct(memory: PopulationMemory | None) -> None:
    """Every individual of the final populations, not only the chosen one, is distinct."""
    assert memory is not None
    columns: dict[str, list[int]] = defaultdict(list)
    for column, key in enumerate(memory.pod_keys):
        columns[key.rsplit("/", 1)[0]].append(column)
    for uid, pods in columns.items():
        nodes = np.sort(memory.assignments[:, pods], axis=1)
        assert not (nodes[:, 1:] == nodes[:, :-1]).any(), uid


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_every_round_places_a_jobs_pods_on_distinct_nodes(seed: int) -> None:
    jobs, nodes = random_cluster(n_jobs=45, n_nodes=7, seed=seed, max_replicas=5)
    tiers = ("platinum", "gold", "bronze")
    jobs = [replace(job, tier=tiers[i % 3]) for i, job in enumerate(jobs)]
    nodes = [replace(node, reliability=0.99) if i % 2 else node for i, node in enumerate(nodes)]

    first = schedule_round(
        jobs=jobs, nodes=nodes, tiers=DEFAULT_TIERS, budget_seconds=30, seed=seed, settings=SHORT
    )
    # The next round: the jobs that waited, warm-started from the first round's population.
    waiting = {p.job for p in first.pending}
    second = schedule_round(
        jobs=[job for job in jobs if job.name in waiting],
        nodes=nodes,
        tiers=DEFAULT_TIERS,
        budget_seconds=30,
        seed=seed + 100,
        previous=first.population,
        settings=SHORT,
    )

    assert first.placements, "nothing placed: the case tests nothing"
    assert any(len(p.nodes) > 2 for p in first.placements)
    assert any(p.record.alternatives for p in first.placements)
    assert any(p.reason == "Unschedulable" and "distinct nodes" in p.message for p in first.pending)
    _assert_distinct_and_within_capacity(first, jobs, nodes)
    _assert_distinct_and_within_capacity(second, jobs, nodes)
    _assert_memory_distinct(first.population)
    _assert_memory_distinct(second.population)


def test_unseeded_search_is_repaired_too() -> None:
    jobs, nodes = random_cluster(n_jobs=30, n_nodes=6, seed=7, max_replicas=4)
    unseeded = OptimiserSettings(max_generations=8, seeded=False, algorithm="nsga2")

    result = schedule_round(
        jobs=jobs, nodes=nodes, tiers=DEFAULT_TIERS, budget_seconds=30, seed=3, settings=unseeded
    )

    assert result.placements
    _assert_distinct_and_within_capacity(result, jobs, nodes)
    _assert_memory_distinct(result.population)
