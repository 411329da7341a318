"""The SLA tiers' objective weights as a governed parameter: checking a change, and the tiers in
force. Pure.

Between governance (``governing.apply_changes`` calls ``weight_change`` and
``check_tier_weights`` for every ``scheduler.tierWeights.<tier>.<objective>`` change) and the
scheduler (``tiers_in_force`` turns the governed overrides into the ``Tier`` values a round
reads; ``steering`` hands them over). ``Governed.tier_weights`` holds only what passed
Proposals changed, keyed ``<tier>.<objective>``; every other weight is the scheduler's default
(``scheduling.DEFAULT_TIERS``). A change that would leave a tier with every weight 0 is refused:
the scheduler would silently fall back to the knee of the front, which is not what anyone voted
for. Only ratios matter, so a weight is at most ``MAX_WEIGHT``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Final

from fogcompute_api.proposals import TIER_WEIGHTS_PREFIX

from fogcompute_operator.scheduling.models import ALL_OBJECTIVES, Tier, Weights
from fogcompute_operator.scheduling.tiers import DEFAULT_TIERS

__all__ = [
    "MAX_WEIGHT",
    "TIER_WEIGHTS_PREFIX",
    "check_tier_weights",
    "describe_weights",
    "tiers_in_force",
    "weight_change",
]

MAX_WEIGHT: Final = Fraction(1000)
_OBJECTIVES: Final = tuple(o.value for o in ALL_OBJECTIVES)


def weight_change(
    name: str, value: str, *, base: Mapping[str, Tier] = DEFAULT_TIERS
) -> tuple[str, Fraction]:
    """``scheduler.tierWeights.gold.cost``, ``"3"`` -> (``"gold.cost"``, 3), or ValueError
    naming the parameter, the value and the fix."""
    key = name.removeprefix(TIER_WEIGHTS_PREFIX)
    tier, _, objective = key.partition(".")
    if tier not in base or objective not in _OBJECTIVES:
        raise ValueError(
            f"{name}: not a tier weight; write {TIER_WEIGHTS_PREFIX}<tier>.<objective> with a "
            f"tier of {', '.join(sorted(base))} and an objective of {', '.join(_OBJECTIVES)}"
        )
    try:
        weight = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{name}={value!r}: not a number; write a weight like 2 or 0.5") from None
    if not 0 <= weight <= MAX_WEIGHT:
        raise ValueError(
            f"{name}={value}: must be between 0 and {MAX_WEIGHT} (only the ratios between a "
            "tier's weights matter; scale them down together)"
        )
    return key, weight


def check_tier_weights(
    overrides: Mapping[str, Fraction], *, base: Mapping[str, Tier] = DEFAULT_TIERS
) -> None:
    """ValueError naming the tier and the fix if ``overrides`` leave a tier with every weight 0."""
    for name, tier in tiers_in_force(overrides, base=base).items():
        weights = tier.weights
        if weights is not None and all(weights.of(o) == 0 for o in ALL_OBJECTIVES):
            raise ValueError(
                f"{TIER_WEIGHTS_PREFIX}{name}.*: every weight of tier {name} would be 0, which "
                f"leaves the scheduler no preference; keep at least one above 0 (e.g. "
                f"{TIER_WEIGHTS_PREFIX}{name}.latency=1)"
            )


def tiers_in_force(
    overrides: Mapping[str, Fraction], *, base: Mapping[str, Tier] = DEFAULT_TIERS
) -> dict[str, Tier]:
    """``base`` with each ``<tier>.<objective>`` weight of ``overrides`` set (others kept,
    including each tier's makespan bound); keys naming no tier or objective are ignored."""
    changes: dict[str, dict[str, float]] = {}
    for key, weight in overrides.items():
        tier, _, objective = key.partition(".")
        if tier in base and objective in _OBJECTIVES:
            changes.setdefault(tier, {})[objective] = float(weight)
    tiers = dict(base)
    for name, values in changes.items():
        current = tiers[name]
        weights = replace(current.weights or Weights(), **values)
        tiers[name] = replace(current, weights=weights)
    return tiers


def describe_weights(tiers: Mapping[str, Tier]) -> str:
    """``gold latency=2 energy=1 ...; bronze ...``: the weights, for an Event or a log line."""
    parts = []
    for name in sorted(tiers):
        weights = tiers[name].weights
        if weights is not None:
            figures = " ".join(f"{o}={weights.of(o):g}" for o in ALL_OBJECTIVES)
            parts.append(f"{name} {figures}")
    return "; ".join(parts)
