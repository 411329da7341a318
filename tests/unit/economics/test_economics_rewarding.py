"""Nym's mixnode reward (performance x stake saturation) and compute rewards, exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest
from fogcompute_operator.economics import (
    MixingParams,
    NodeShare,
    compute_reward,
    mixing_reward,
    settle_mixing,
)

# Saturation point S / k = 1_000_000 / 10 = 100_000; per-node budget R / k = 1_000.
PARAMS = MixingParams(epoch_budget=10_000, staking_supply=1_000_000, rewarded_set_size=10)


@pytest.mark.parametrize(
    ("name", "node", "reward"),
    [
        (
            "saturated, full pledge, perfect",
            NodeShare(performance=Fraction(1), stake=100_000, pledge=100_000),
            1_000,
        ),
        (
            "stake beyond saturation earns no more",
            NodeShare(performance=Fraction(1), stake=500_000, pledge=100_000),
            1_000,
        ),
        (
            "half saturated earns half",
            NodeShare(performance=Fraction(1), stake=50_000, pledge=100_000),
            500,
        ),
        (
            "performance scales linearly",
            NodeShare(performance=Fraction(9, 10), stake=100_000, pledge=100_000),
            900,
        ),
        (
            "no pledge: 1 / (1 + alpha) of the full share",
            NodeShare(performance=Fraction(1), stake=100_000),
            769,
        ),
        (
            "down all epoch earns nothing",
            NodeShare(performance=Fraction(0), stake=100_000, pledge=100_000),
            0,
        ),
        ("nothing staked earns nothing", NodeShare(performance=Fraction(1), stake=0, pledge=0), 0),
    ],
)
def test_mixing_reward(name: str, node: NodeShare, reward: int) -> None:
    assert mixing_reward(node, PARAMS) == reward, name


def test_epoch_never_pays_more_than_its_budget() -> None:
    nodes = {
        f"n{i}": NodeShare(performance=Fraction(1), stake=200_000, pledge=100_000)
        for i in range(15)  # more saturated nodes than the rewarded set size
    }
    rewards = settle_mixing(nodes, PARAMS)
    assert sum(rewards.values()) <= PARAMS.epoch_budget
    assert len(set(rewards.values())) == 1
    assert rewards["n0"] == 666


def test_epoch_within_budget_pays_each_its_own_reward() -> None:
    nodes = {
        "a": NodeShare(performance=Fraction(1), stake=100_000, pledge=100_000),
        "b": NodeShare(performance=Fraction(1, 2), stake=100_000, pledge=100_000),
    }
    assert settle_mixing(nodes, PARAMS) == {"a": 1_000, "b": 500}


def test_compute_reward_rounds_down_and_refuses_negatives() -> None:
    assert compute_reward(cpu_seconds=Fraction(25, 2), rate_per_cpu_second=3) == 37
    with pytest.raises(ValueError, match="cannot be negative"):
        compute_reward(cpu_seconds=-1, rate_per_cpu_second=3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"performance": Fraction(3, 2), "stake": 1}, "performance=3/2"),
        ({"performance": Fraction(1), "stake": -1}, "cannot be negative"),
    ],
)
def test_bad_node_input_names_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NodeShare(**kwargs)  # type: ignore[arg-type]
