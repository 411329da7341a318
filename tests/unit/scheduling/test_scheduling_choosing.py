"""Choosing a point by tier weights, the knee fallback, hypervolume, tiers, the objective model."""

from __future__ import annotations

import numpy as np
import pytest
from fogcompute_operator.scheduling import (
    DEFAULT_TIERS,
    Objective,
    OptimiserSettings,
    Weights,
    configure_tiers,
    schedule_round,
    score_placement,
)
from fogcompute_operator.scheduling.choosing import choose, hypervolume
from scheduling_builders import make_job, make_node, random_cluster

LAT_COST = (Objective.LATENCY, Objective.COST)
# A convex trade-off between latency (column 0) and cost (column 1).
FRONT = np.array([[1.0, 10.0], [2.0, 5.0], [4.0, 2.5], [8.0, 1.2], [16.0, 1.0]])
COST_HEAVY = Weights(latency=0.5, cost=4.0)
LATENCY_HEAVY = Weights(latency=4.0, cost=0.5)


@pytest.mark.parametrize(
    ("name", "weights", "expected"),
    [
        ("cost heavy", COST_HEAVY, 3),
        ("latency heavy", LATENCY_HEAVY, 1),
        ("only cost", Weights(latency=0.0, cost=1.0), 4),
        ("only latency", Weights(latency=1.0, cost=0.0), 0),
    ],
)
def test_weights_pick_the_matching_point(name: str, weights: Weights, expected: int) -> None:
    choice = choose(FRONT, objectives=LAT_COST, weights=weights)

    assert choice.index == expected, name
    assert choice.chosen_by == "asf"
    assert sorted(choice.ranking.tolist()) == list(range(len(FRONT)))


def test_no_weights_fall_back_to_the_knee() -> None:
    knee = np.array([[0.0, 1.0], [0.05, 0.55], [0.1, 0.1], [0.55, 0.05], [1.0, 0.0]])

    choice = choose(knee, objectives=LAT_COST, weights=None)

    assert (choice.chosen_by, choice.index) == ("knee", 2)


def test_a_single_point_is_chosen_as_the_only_one() -> None:
    choice = choose(FRONT[:1], objectives=LAT_COST, weights=COST_HEAVY)

    assert (choice.chosen_by, choice.index) == ("only", 0)


def test_hypervolume_of_ideal_and_nadir_points() -> None:
    ideal, nadir = np.zeros(2), np.ones(2)

    assert hypervolume(np.array([[0.0, 0.0]]), ideal=ideal, nadir=nadir) == pytest.approx(1.21)
    assert hypervolume(np.array([[1.0, 1.0]]), ideal=ideal, nadir=nadir) == pytest.approx(0.01)
    assert hypervolume(FRONT, ideal=FRONT.min(0), nadir=FRONT.max(0)) > 0.5


def test_tier_weights_move_the_chosen_point_on_the_same_front() -> None:
    tiers = configure_tiers(
        {
            "thrifty": {"priority": 1, "weights": {"cost": 8, "latency": 0.2, "energy": 0.2}},
            "express": {"priority": 1, "weights": {"latency": 8, "cost": 0.2, "energy": 0.2}},
        }
    )
    jobs, nodes = random_cluster(n_jobs=40, n_nodes=16, seed=12)
    settings = OptimiserSettings(max_generations=15)

    def run(tier: str) -> tuple[dict[str, float], tuple[tuple[float, ...], ...]]:
        tiered = [j.__class__(**{**j.__dict__, "tier": tier}) for j in jobs]
        result = schedule_round(
            jobs=tiered, nodes=nodes, tiers=tiers, budget_seconds=30, seed=5, settings=settings
        )
        record = result.placements[0].record
        return dict(record.batch_objectives), result.record.tiers[0].front

    thrifty, thrifty_front = run("thrifty")
    express, express_front = run("express")

    assert thrifty_front == express_front  # the search ignores weights: only the choice moves
    assert thrifty["cost"] < express["cost"]
    assert express["latency"] < thrifty["latency"]


def test_configure_tiers_overrides_and_explains_mistakes() -> None:
    tiers = configure_tiers({"gold": {"max_pending_seconds": 60, "weights": {"cost": 3}}})

    assert tiers["gold"].max_pending_seconds == 60
    assert tiers["gold"].weights is not None
    assert tiers["gold"].weights.cost == 3
    assert tiers["gold"].weights.latency == DEFAULT_TIERS["gold"].weights.latency  # type: ignore[union-attr]
    with pytest.raises(ValueError, match=r"tier 'gold': unknown field\(s\) \['colour'\]"):
        configure_tiers({"gold": {"colour": "yellow"}})
    with pytest.raises(ValueError, match=r"tier 'iron' is new: set tiers\.iron\.priority"):
        configure_tiers({"iron": {"preemptible": True}})


def test_score_placement_follows_the_model() -> None:
    job = make_job("a").cpu(2000).replicas(1).seconds(100).build()  # 2 pods of 2 cores, 100 s
    fast = make_node("fast").cpu(4000).speed(2.0).latency(10).energy(5).price(0.01)
    slow = make_node("slow").cpu(2000).speed(1.0).latency(30).energy(3).price(0.001)
    nodes = [fast.reliability(0.9).build(), slow.reliability(0.8).build()]

    spread = score_placement(jobs=[job], nodes=nodes, placement={"default/a": ["fast", "slow"]})
    packed = score_placement(jobs=[job], nodes=nodes, placement={"default/a": ["slow", "slow"]})

    # fast: 2 cores x 50 s = 100 cpu-s; slow: 2 cores x 100 s = 200 cpu-s.
    assert spread["latency"] == pytest.approx(20.0)
    assert spread["energy"] == pytest.approx(100 * 5 + 200 * 3)
    assert spread["cost"] == pytest.approx(100 * 0.01 + 200 * 0.001)
    # fast clears 200 reference cpu-s at 4 cores x 2.0; slow 200 at 2 cores x 1.0.
    assert spread["makespan"] == pytest.approx(100.0)
    assert spread["unreliability"] == pytest.approx(0.15)
    assert spread["capacity_overflow"] == 0.0
    assert packed["capacity_overflow"] == pytest.approx(1.0)  # 4000m asked of 2000m
