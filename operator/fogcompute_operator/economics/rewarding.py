"""Epoch rewards: Nym's mixnode formula (performance x stake saturation) and compute delivered.

Pure and exact (``Fraction``), paid in whole base units (rounded down; the dust stays in the
rewards pool). The Stake controller feeds it each bonded MixNode's performance (its measured
reliability) and stake, and each harvested EdgeDevice's delivered cpu-seconds, then posts one
``Reward`` per stake and epoch to the ledger.

Nym ("Reward Sharing for Mixnets"; the mixnet contract): with ``k`` rewarded nodes, epoch budget
``R``, staking supply ``S``, Sybil-resistance ``alpha``, a node's stake saturation
``sigma' = min(stake / S, 1 / k)`` and pledge saturation ``lambda' = min(pledge / S, 1 / k)``
a uniform work share ``omega = 1 / k`` and performance ``rho_i``::

    R_i = rho_i * R * (sigma'_i * omega * k + alpha * lambda'_i * sigma'_i * k) / (1 + alpha)

A node at saturation with a saturated pledge and perfect performance earns ``R / k``; an
unsaturated or unreliable node earns proportionally less, and stake beyond saturation earns
nothing more. When more nodes are rewarded than ``k``, the whole epoch is scaled to the budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["MixingParams", "NodeShare", "compute_reward", "mixing_reward", "settle_mixing"]


@dataclass(frozen=True, kw_only=True)
class MixingParams:
    epoch_budget: int
    staking_supply: int
    rewarded_set_size: int
    alpha: Fraction = Fraction(3, 10)

    def __post_init__(self) -> None:
        if self.epoch_budget < 0:
            raise ValueError(f"epoch_budget={self.epoch_budget}: cannot be negative")
        if self.staking_supply <= 0:
            raise ValueError(f"staking_supply={self.staking_supply}: must be positive")
        if self.rewarded_set_size <= 0:
            raise ValueError(f"rewarded_set_size={self.rewarded_set_size}: must be positive")
        if self.alpha < 0:
            raise ValueError(f"alpha={self.alpha}: cannot be negative")

    @property
    def saturation_point(self) -> Fraction:
        """Stake at which a node is saturated: ``S / k``."""
        return Fraction(self.staking_supply, self.rewarded_set_size)


@dataclass(frozen=True, kw_only=True)
class NodeShare:
    """One mixnode's inputs for an epoch."""

    performance: Fraction
    stake: int
    pledge: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.performance <= 1:
            raise ValueError(f"performance={self.performance}: must be between 0 and 1")
        if self.stake < 0 or self.pledge < 0:
            raise ValueError("stake and pledge cannot be negative")


def _exact_reward(node: NodeShare, params: MixingParams) -> Fraction:
    k = params.rewarded_set_size
    cap = Fraction(1, k)
    sigma = min(Fraction(node.stake, params.staking_supply), cap)
    lam = min(Fraction(node.pledge, params.staking_supply), cap)
    omega = Fraction(1, k)
    share = (sigma * omega * k + params.alpha * lam * sigma * k) / (1 + params.alpha)
    return node.performance * params.epoch_budget * share


def mixing_reward(node: NodeShare, params: MixingParams) -> int:
    """One node's reward for the epoch, in base units (rounded down)."""
    return int(_exact_reward(node, params))


def settle_mixing(nodes: Mapping[str, NodeShare], params: MixingParams) -> dict[str, int]:
    """Every node's reward for the epoch, scaled down together if they would exceed the budget."""
    exact = {uid: _exact_reward(node, params) for uid, node in nodes.items()}
    total = sum(exact.values(), Fraction(0))
    scale = min(Fraction(1), Fraction(params.epoch_budget) / total) if total else Fraction(1)
    return {uid: int(value * scale) for uid, value in sorted(exact.items())}


def compute_reward(*, cpu_seconds: Fraction | int, rate_per_cpu_second: Fraction | int) -> int:
    """Reward for compute a harvested edge device delivered (FogJob pod cpu-seconds there)."""
    if cpu_seconds < 0 or rate_per_cpu_second < 0:
        raise ValueError("cpu_seconds and rate_per_cpu_second cannot be negative")
    return int(Fraction(cpu_seconds) * Fraction(rate_per_cpu_second))
