"""Tier defaults: gold's choice stays near the front's best makespan; the bound is configurable."""

from __future__ import annotations

import functools
import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from fogcompute_operator.scheduling import (
    ALL_OBJECTIVES,
    DEFAULT_TIERS,
    GOLD,
    Objective,
    OptimiserSettings,
    RoundResult,
    Weights,
    configure_tiers,
    schedule_round,
)
from fogcompute_operator.scheduling.choosing import choose

BENCH = Path(__file__).resolve().parents[3] / "bench" / "workloads.py"
MAKESPAN = list(ALL_OBJECTIVES).index(Objective.MAKESPAN)
DETERMINISTIC = OptimiserSettings(max_generations=40)


@functools.cache
def _bench_workloads() -> ModuleType:
    """bench/workloads.py, by path: bench/ is not a package (its scripts run from the tree)."""
    spec = importlib.util.spec_from_file_location("bench_workloads", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through it
    spec.loader.exec_module(module)
    return module


def _gold_round(tiers: dict[str, object]) -> tuple[RoundResult, float, float]:
    """The benchmark's 100 x 50 gold batch: chosen makespan, the front's best, MCT's."""
    bench = _bench_workloads()
    workload = bench.make_workload(100, 50, bench.SEED)
    result = schedule_round(
        jobs=workload.jobs,
        nodes=workload.nodes,
        tiers=tiers,  # type: ignore[arg-type]
        budget_seconds=60.0,
        seed=bench.SEED,
        settings=DETERMINISTIC,
    )
    chosen = bench.evaluate_placement(workload, {p.job: p.nodes for p in result.placements})
    best = float(np.asarray(result.record.tiers[0].front)[:, MAKESPAN].min())
    mct = bench.evaluate_placement(workload, bench.mct_placement(workload))["makespan"]
    return result, chosen["makespan"] / best, chosen["makespan"] / mct


def test_gold_default_choice_is_within_a_quarter_of_the_best_makespan() -> None:
    result, vs_best, vs_mct = _gold_round(dict(DEFAULT_TIERS))

    assert result.record.tiers[0].stopped_by == "generations"
    assert len(result.placements) == 100
    assert vs_best <= 1.25
    assert vs_mct <= 1.25


def test_without_the_bound_gold_weights_alone_pick_a_slow_point() -> None:
    # Why the bound exists: the same weights on the same front, normalised to the front's wide
    # makespan range, choose far from the best makespan.
    assert GOLD.weights is not None
    unbounded = replace(GOLD, weights=replace(GOLD.weights, max_makespan_ratio=None))

    _, vs_best, _ = _gold_round({**DEFAULT_TIERS, "gold": unbounded})

    assert vs_best > 1.25


def test_the_bound_picks_the_best_weighted_point_among_those_within() -> None:
    objectives = (Objective.COST, Objective.MAKESPAN)
    front = np.array([[10.0, 100.0], [6.0, 120.0], [3.0, 124.0], [1.0, 300.0]])
    cheap = Weights(cost=4.0, makespan=0.5)

    bounded = choose(front, objectives=objectives, weights=replace(cheap, max_makespan_ratio=1.25))
    free = choose(front, objectives=objectives, weights=cheap)

    assert bounded.index == 2  # 124 <= 1.25 x 100; the cheapest of the three within
    assert sorted(bounded.ranking.tolist()) == [0, 1, 2, 3]
    assert bounded.ranking[-1] == 3  # beyond the bound: ranked last
    assert free.index == 3


def test_the_bound_is_ignored_when_makespan_is_not_an_objective() -> None:
    objectives = (Objective.LATENCY, Objective.COST)
    front = np.array([[1.0, 10.0], [8.0, 1.0]])

    choice = choose(front, objectives=objectives, weights=Weights(cost=4.0, max_makespan_ratio=1.0))

    assert choice.index == 1


def test_a_tier_override_can_lift_or_change_the_bound() -> None:
    lifted = configure_tiers({"gold": {"weights": {"max_makespan_ratio": None}}})
    wider = configure_tiers({"gold": {"weights": {"max_makespan_ratio": 2}}})

    assert lifted["gold"].weights is not None
    assert lifted["gold"].weights.max_makespan_ratio is None
    assert lifted["gold"].weights.latency == 2.0  # the other weights stay
    assert wider["gold"].weights is not None
    assert wider["gold"].weights.max_makespan_ratio == 2.0


@pytest.mark.parametrize(
    ("name", "weights", "message"),
    [
        ("below one", {"max_makespan_ratio": 0.9}, "max_makespan_ratio must be >= 1"),
        ("negative weight", {"cost": -1}, "weights must be numbers >= 0"),
        ("unset weight", {"cost": None}, "weights must be numbers >= 0"),
        ("unknown", {"speed": 1}, "unknown weight(s) ['speed']"),
    ],
)
def test_bad_weight_overrides_name_the_tier_and_the_field(
    name: str, weights: dict[str, float | None], message: str
) -> None:
    with pytest.raises(ValueError, match="tier 'gold'") as raised:
        configure_tiers({"gold": {"weights": weights}})

    assert message in str(raised.value), name
